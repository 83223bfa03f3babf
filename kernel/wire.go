package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"time"

	"github.com/pkg/errors"
)

// ProtocolVersion is the version of the Jupyter messaging protocol spoken.
const ProtocolVersion = "5.3"

// delimiter separates the ZeroMQ routing identities from the message.
var delimiter = []byte("<IDS|MSG>")

// Header is a message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one Jupyter message: its routing identities (on ROUTER
// sockets), header, parent header, metadata, content and binary buffers.
// Content and metadata stay raw JSON until a handler decodes them.
type Message struct {
	Identities [][]byte
	Header     Header
	Parent     json.RawMessage // the parent's header, or {}
	Metadata   json.RawMessage
	Content    json.RawMessage
	Buffers    [][]byte
}

// Signer signs and verifies messages with HMAC-SHA256 under the
// connection's key; an empty key means messages are neither signed nor
// checked, as the protocol says.
type Signer struct {
	key []byte
}

// NewSigner returns a signer for key with the given scheme; only
// "hmac-sha256" (and "" with an empty key) is supported.
func NewSigner(scheme, key string) (*Signer, error) {
	if key != "" && scheme != "hmac-sha256" {
		return nil, errors.Errorf("signature scheme %q is not supported (only hmac-sha256)", scheme)
	}
	return &Signer{key: []byte(key)}, nil
}

// sign returns the hex HMAC of the four signed parts.
func (s *Signer) sign(parts ...[]byte) []byte {
	if len(s.key) == 0 {
		return nil
	}
	var mac hash.Hash = hmac.New(sha256.New, s.key)
	for _, p := range parts {
		mac.Write(p)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// Decode parses and verifies the frames of a received message. It never
// panics: malformed frames, bad JSON and a wrong signature are errors.
func (s *Signer) Decode(frames [][]byte) (*Message, error) {
	i := 0
	for i < len(frames) && !bytes.Equal(frames[i], delimiter) {
		i++
	}
	if i == len(frames) {
		return nil, errors.New("no <IDS|MSG> delimiter")
	}
	if len(frames) < i+6 {
		return nil, errors.Errorf("%d frames after the delimiter, want at least 5", len(frames)-i-1)
	}
	sig, parts := frames[i+1], frames[i+2:i+6]
	if len(s.key) > 0 {
		want := s.sign(parts...)
		if !hmac.Equal(bytes.ToLower(sig), want) {
			return nil, errors.New("wrong signature")
		}
	}
	m := &Message{Identities: frames[:i], Parent: parts[1], Metadata: parts[2], Content: parts[3], Buffers: frames[i+6:]}
	if err := json.Unmarshal(parts[0], &m.Header); err != nil {
		return nil, errors.Wrap(err, "header")
	}
	for _, p := range [][]byte{parts[1], parts[2], parts[3]} {
		if !json.Valid(p) {
			return nil, errors.New("parent header, metadata or content is not valid JSON")
		}
	}
	if m.Header.MsgType == "" {
		return nil, errors.New("header without msg_type")
	}
	return m, nil
}

// Encode returns the frames of m, signed.
func (s *Signer) Encode(m *Message) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, errors.Wrap(err, "encoding a header")
	}
	parent, meta, content := orEmpty(m.Parent), orEmpty(m.Metadata), orEmpty(m.Content)
	frames := append([][]byte{}, m.Identities...)
	frames = append(frames, delimiter, s.sign(header, parent, meta, content), header, parent, meta, content)
	return append(frames, m.Buffers...), nil
}

func orEmpty(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte("{}")
	}
	return raw
}

// newID returns a random message or session id.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// reply makes a message of type msgType answering parent (nil for none),
// in session, with content encoded as JSON; it is routed to the parent's
// identities.
func reply(parent *Message, session, msgType string, content any) (*Message, error) {
	c, err := json.Marshal(content)
	if err != nil {
		return nil, errors.Wrapf(err, "encoding a %s", msgType)
	}
	m := &Message{
		Header: Header{
			MsgID: newID(), Session: session, Username: "kernel", MsgType: msgType,
			Date: time.Now().UTC().Format(time.RFC3339Nano), Version: ProtocolVersion,
		},
		Parent: json.RawMessage("{}"), Content: c,
	}
	if parent != nil {
		if m.Parent, err = json.Marshal(parent.Header); err != nil {
			return nil, errors.Wrap(err, "encoding a parent header")
		}
		m.Identities = parent.Identities
	}
	return m, nil
}
