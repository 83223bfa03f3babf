package kernel

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/pkg/errors"

	"github.com/aim-go/aim/display"
	"github.com/aim-go/aim/internal/console"
)

// Options configure a kernel.
type Options struct {
	// Redirect sends the process's own stdout and stderr (file descriptors
	// 1 and 2) to the front end, so that compiled code's output shows in the
	// notebook. aim-kernel sets it; an in-process test may not.
	Redirect bool
	// Log is where the kernel logs rejected messages and its own errors
	// (default: the process's original stderr).
	Log io.Writer
}

// Kernel is a running Jupyter kernel: five ZeroMQ sockets, one Session.
type Kernel struct {
	conn   ConnectionInfo
	signer *Signer
	id     string // the kernel's session id
	sess   *Session
	out    *outputs
	log    *log.Logger

	shell, control, stdin, iopub, hb zmq4.Socket
	iopubMu                          sync.Mutex

	ctx  context.Context // the kernel's lifetime
	stop context.CancelFunc

	mu          sync.Mutex
	parent      *Message           // the execute request running, or last run
	gen         context.Context    // the cells' context until the next interrupt
	genCancel   context.CancelFunc // interrupts
	count       int                // execution count
	abortBefore time.Time          // queued requests from before a failed cell are aborted
	liveShown   map[string]bool    // the progress lines shown in place so far
}

// Serve runs a kernel on the connection file Jupyter passes, with the
// process's output redirected to the front end, until a shutdown request.
// SIGINT interrupts the running cell; it does not stop the kernel.
func Serve(connectionFile string) error {
	conn, err := ReadConnectionFile(connectionFile)
	if err != nil {
		return err
	}
	k, err := New(conn, Options{Redirect: true})
	if err != nil {
		return err
	}
	return k.Run()
}

// New makes a kernel for conn and binds its sockets.
func New(conn ConnectionInfo, opt Options) (*Kernel, error) {
	if err := conn.Validate(); err != nil {
		return nil, err
	}
	signer, _ := NewSigner(conn.SignatureScheme, conn.Key)
	out, logFile, err := captureOutputs(opt.Redirect)
	if err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = logFile
	}
	k := &Kernel{conn: conn, signer: signer, id: newID(), out: out, log: log.New(opt.Log, "aim-kernel: ", log.LstdFlags)}
	var stdout, stderr io.Writer // the process's own, when redirected
	if !opt.Redirect {
		stdout, stderr = out.stdout.w, out.stderr.w
	}
	if k.sess, err = NewSession(stdout, stderr); err != nil {
		return nil, err
	}
	k.ctx, k.stop = context.WithCancel(context.Background())
	k.gen, k.genCancel = context.WithCancel(k.ctx)
	if err := k.bind(); err != nil {
		k.stop()
		return nil, err
	}
	return k, nil
}

// bind listens on the five sockets.
func (k *Kernel) bind() error {
	k.shell, k.control, k.stdin = zmq4.NewRouter(k.ctx), zmq4.NewRouter(k.ctx), zmq4.NewRouter(k.ctx)
	k.iopub, k.hb = zmq4.NewPub(k.ctx), zmq4.NewRep(k.ctx)
	for _, s := range []struct {
		sock zmq4.Socket
		port int
		name string
	}{{k.shell, k.conn.ShellPort, "shell"}, {k.control, k.conn.ControlPort, "control"}, {k.stdin, k.conn.StdinPort, "stdin"},
		{k.iopub, k.conn.IOPubPort, "iopub"}, {k.hb, k.conn.HBPort, "heartbeat"}} {
		if err := s.sock.Listen(k.conn.endpoint(s.port)); err != nil {
			return errors.Wrapf(err, "listening for %s on %s", s.name, k.conn.endpoint(s.port))
		}
	}
	return nil
}

// Run serves requests until a shutdown request, then closes the sockets.
func (k *Kernel) Run() error {
	k.out.setSink(k.publishStream)
	display.SetPublisher(k.publishDisplay)
	defer display.SetPublisher(nil)
	console.SetLive(k.publishLive)
	defer console.SetLive(nil)
	var wg sync.WaitGroup
	for _, f := range []func(){k.heartbeat, k.drainStdin, k.watchSIGINT, func() { k.serve(k.control, "control") }} {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	k.publish(nil, "status", map[string]string{"execution_state": "starting"})
	k.serve(k.shell, "shell")
	wg.Wait()
	k.out.flush()
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		s.Close()
	}
	k.out.restore()
	return nil
}

// Shutdown stops the kernel: the running cell is interrupted and Run
// returns.
func (k *Kernel) Shutdown() { k.stop() }

// serve reads requests from a shell or control socket until shutdown.
func (k *Kernel) serve(sock zmq4.Socket, name string) {
	for {
		msg, err := sock.Recv()
		if k.ctx.Err() != nil {
			return
		}
		if err != nil {
			k.log.Printf("%s: %v", name, err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		m, err := k.signer.Decode(msg.Frames)
		if err != nil {
			k.log.Printf("%s: rejected a message: %v", name, err)
			continue
		}
		k.handle(sock, name, m)
	}
}

// watchSIGINT interrupts the running cell at each SIGINT, until shutdown.
func (k *Kernel) watchSIGINT() {
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	defer signal.Stop(sigint)
	for {
		select {
		case <-sigint:
			k.log.Print("SIGINT: interrupting the running cell")
			k.interrupt()
		case <-k.ctx.Done():
			return
		}
	}
}

// heartbeat echoes every ping.
func (k *Kernel) heartbeat() {
	for {
		msg, err := k.hb.Recv()
		if k.ctx.Err() != nil {
			return
		}
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err := k.hb.Send(msg); err != nil && k.ctx.Err() == nil {
			k.log.Printf("heartbeat: %v", err)
		}
	}
}

// drainStdin reads the stdin socket: cells cannot ask for input, so
// nothing is expected there.
func (k *Kernel) drainStdin() {
	for {
		if _, err := k.stdin.Recv(); k.ctx.Err() != nil {
			return
		} else if err != nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// interrupt cancels the context of the running cell (and of anything the
// cells started that uses ctx); the next cell gets a fresh one.
func (k *Kernel) interrupt() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.genCancel()
}

// cellContext is the context for the next cell.
func (k *Kernel) cellContext() context.Context {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.gen.Err() != nil {
		k.gen, k.genCancel = context.WithCancel(k.ctx)
	}
	return k.gen
}

// sender is a socket replies go out on.
type sender interface{ Send(zmq4.Msg) error }

// send replies to a request on sock.
func (k *Kernel) send(sock sender, parent *Message, msgType string, content any) {
	r, err := reply(parent, k.id, msgType, content)
	if err == nil {
		var frames [][]byte
		if frames, err = k.signer.Encode(r); err == nil {
			err = sock.Send(zmq4.NewMsgFrom(frames...))
		}
	}
	if err != nil && k.ctx.Err() == nil {
		k.log.Printf("sending %s: %v", msgType, err)
	}
}

// publish sends a message on IOPub.
func (k *Kernel) publish(parent *Message, msgType string, content any) {
	r, err := reply(parent, k.id, msgType, content)
	if err != nil {
		k.log.Print(err)
		return
	}
	r.Identities = [][]byte{[]byte("kernel." + k.id + "." + msgType)}
	frames, err := k.signer.Encode(r)
	if err != nil {
		k.log.Print(err)
		return
	}
	k.iopubMu.Lock()
	defer k.iopubMu.Unlock()
	if err := k.iopub.Send(zmq4.NewMsgFrom(frames...)); err != nil && k.ctx.Err() == nil {
		k.log.Printf("publishing %s: %v", msgType, err)
	}
}

// currentParent is the request output belongs to.
func (k *Kernel) currentParent() *Message {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.parent
}

// publishStream sends what a cell printed.
func (k *Kernel) publishStream(name, text string) {
	k.publish(k.currentParent(), "stream", map[string]string{"name": name, "text": text})
}

// publishDisplay shows a bundle below the running cell, after what it
// printed so far.
func (k *Kernel) publishDisplay(d display.Data) error {
	k.out.flush()
	k.publish(k.currentParent(), "display_data", bundleContent(d, nil))
	return nil
}

// publishLive shows a progress line in place: a display_data the first
// time, then update_display_data of the same display.
func (k *Kernel) publishLive(id, text string) {
	k.out.flush()
	k.mu.Lock()
	if k.liveShown == nil {
		k.liveShown = map[string]bool{}
	}
	first := !k.liveShown[id]
	k.liveShown[id] = true
	k.mu.Unlock()
	msgType, content := liveContent(id, text, first)
	k.publish(k.currentParent(), msgType, content)
}

// liveContent is the message that shows or updates a progress line.
func liveContent(id, text string, first bool) (string, map[string]any) {
	c := map[string]any{"data": map[string]string{display.MIMEText: text}, "metadata": map[string]any{},
		"transient": map[string]any{"display_id": id}}
	if first {
		return "display_data", c
	}
	return "update_display_data", c
}

// bundleContent is the content of display_data or execute_result.
func bundleContent(d display.Data, count *int) map[string]any {
	meta := map[string]any{}
	for k, v := range d.Metadata {
		meta[k] = v
	}
	c := map[string]any{"data": d.MIME, "metadata": meta}
	if count != nil {
		c["execution_count"] = *count
	} else {
		c["transient"] = map[string]any{}
	}
	return c
}

// decode unmarshals a request's content.
func decode(m *Message, v any) error {
	if err := json.Unmarshal(m.Content, v); err != nil {
		return errors.Wrapf(err, "%s content", m.Header.MsgType)
	}
	return nil
}
