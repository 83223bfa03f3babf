package kernel

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pkg/errors"
)

// ConnectionInfo is the connection file Jupyter writes for a kernel: where
// its five sockets listen and how messages are signed.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	SignatureScheme string `json:"signature_scheme"`
	Key             string `json:"key"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and checks a connection file.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	var c ConnectionInfo
	b, err := os.ReadFile(path)
	if err != nil {
		return c, errors.Wrap(err, "reading the connection file")
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, errors.Wrapf(err, "%s is not a Jupyter connection file", path)
	}
	return c, c.Validate()
}

// Validate checks that c names a transport, an address and five ports.
func (c ConnectionInfo) Validate() error {
	if c.Transport != "tcp" {
		return errors.Errorf("connection: transport %q is not supported (only tcp)", c.Transport)
	}
	if c.IP == "" {
		return errors.New("connection: no ip")
	}
	for name, p := range map[string]int{"shell": c.ShellPort, "control": c.ControlPort, "stdin": c.StdinPort, "iopub": c.IOPubPort, "hb": c.HBPort} {
		if p <= 0 || p > 65535 {
			return errors.Errorf("connection: %s_port %d is not a port", name, p)
		}
	}
	_, err := NewSigner(c.SignatureScheme, c.Key)
	return err
}

// endpoint is the ZeroMQ address of a port.
func (c ConnectionInfo) endpoint(port int) string {
	return fmt.Sprintf("%s://%s:%d", c.Transport, c.IP, port)
}
