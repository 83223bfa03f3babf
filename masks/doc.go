// Package masks defines the attention masks of AIM.
//
// Pre-training uses a prefix-causal mask: each sample draws a prefix length
// S, and query token i may attend key token j iff j < S or j ≤ i. The first S
// tokens therefore see each other bidirectionally, and every later token sees
// the whole prefix plus the tokens before it. S = 1 is plain causal attention;
// S = K (every token in the prefix) is the bidirectional attention used
// downstream. Because the visible keys of a query always form the range
// [0, max(S, i+1)), a mask is fully described by S and never materialised:
// Allowed and VisibleKeys answer for one query, and Matrix draws the whole
// mask for tests and pictures. Kind names how S is chosen per sample
// (prefix-causal, causal or bidirectional).
package masks
