package kernel

import (
	"bytes"
	"encoding/json"
	"testing"
)

func testMessage() *Message {
	m, _ := reply(nil, "s1", "kernel_info_request", map[string]any{})
	m.Identities = [][]byte{[]byte("peer")}
	return m
}

func TestSignRoundTrip(t *testing.T) {
	s, err := NewSigner("hmac-sha256", "secret")
	if err != nil {
		t.Fatal(err)
	}
	frames, err := s.Encode(testMessage())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(frames[1], delimiter) || len(frames[2]) != 64 {
		t.Fatalf("frames %q: want identity, delimiter, 64-hex signature", frames[:3])
	}
	m, err := s.Decode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.MsgType != "kernel_info_request" || string(m.Identities[0]) != "peer" {
		t.Errorf("decoded %+v", m.Header)
	}
}

func TestDecodeRejects(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", "secret")
	good, _ := s.Encode(testMessage())
	other, _ := NewSigner("hmac-sha256", "other")
	signedElsewhere, _ := other.Encode(testMessage())
	tamper := func(i int, b string) [][]byte {
		f := append([][]byte{}, good...)
		f[i] = []byte(b)
		return f
	}
	badJSON := tamper(6, "{not json")
	badJSON[2] = s.sign(badJSON[3], badJSON[4], badJSON[5], badJSON[6])
	for name, frames := range map[string][][]byte{
		"wrong key":          signedElsewhere,
		"changed content":    tamper(6, `{"x":1}`),
		"changed header":     tamper(3, `{"msg_type":"shutdown_request"}`),
		"no delimiter":       {[]byte("a"), []byte("b")},
		"too few frames":     good[:5],
		"content not JSON":   badJSON,
		"empty":              nil,
		"signature not hex!": tamper(2, "zz"),
	} {
		if _, err := s.Decode(frames); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestUnsignedWithoutKey(t *testing.T) {
	s, err := NewSigner("", "")
	if err != nil {
		t.Fatal(err)
	}
	frames, _ := s.Encode(testMessage())
	if len(frames[2]) != 0 {
		t.Errorf("signature %q without a key", frames[2])
	}
	if _, err := s.Decode(frames); err != nil {
		t.Error(err)
	}
	if _, err := NewSigner("hmac-md5", "k"); err == nil {
		t.Error("hmac-md5 accepted")
	}
}

func TestReplyHeader(t *testing.T) {
	parent := testMessage()
	r, err := reply(parent, "kern", "kernel_info_reply", map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	var ph Header
	if err := json.Unmarshal(r.Parent, &ph); err != nil || ph.MsgID != parent.Header.MsgID {
		t.Errorf("parent header %s", r.Parent)
	}
	if r.Header.Version != ProtocolVersion || r.Header.Session != "kern" || string(r.Identities[0]) != "peer" {
		t.Errorf("reply header %+v, identities %q", r.Header, r.Identities)
	}
}

func TestConnectionInfo(t *testing.T) {
	good := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: 1, ControlPort: 2, StdinPort: 3, IOPubPort: 4, HBPort: 5,
		SignatureScheme: "hmac-sha256", Key: "k"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*ConnectionInfo){
		"ipc":      func(c *ConnectionInfo) { c.Transport = "ipc" },
		"no ip":    func(c *ConnectionInfo) { c.IP = "" },
		"port 0":   func(c *ConnectionInfo) { c.HBPort = 0 },
		"big port": func(c *ConnectionInfo) { c.ShellPort = 70000 },
		"scheme":   func(c *ConnectionInfo) { c.SignatureScheme = "hmac-sha1" },
	} {
		c := good
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
