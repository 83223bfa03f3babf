package kernel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// childEnv names the connection file when the test binary runs as the
// kernel under test (see TestMain): the protocol test drives a real kernel
// process, with its output redirected as aim-kernel's is, over ZeroMQ, and
// needs no Python.
const childEnv = "AIM_KERNEL_TEST_CONNECTION_FILE"

func TestMain(m *testing.M) {
	if f := os.Getenv(childEnv); f != "" {
		if err := Serve(f); err != nil {
			fmt.Fprintln(os.Stderr, "kernel:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// client is a Jupyter client of the kernel under test.
type client struct {
	t              *testing.T
	signer         *Signer
	session        string
	shell, control zmq4.Socket
	hb             zmq4.Socket
	iopub          chan *Message
	cmd            *exec.Cmd
	log            *syncBuffer
	exited         chan struct{} // closed when the kernel process has ended
	exitErr        error         // how it ended, once exited is closed
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePorts returns n TCP ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// startKernel runs the test binary as a kernel and connects to it.
func startKernel(t *testing.T) *client {
	p := freePorts(t, 5)
	conn := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: p[0], ControlPort: p[1], StdinPort: p[2],
		IOPubPort: p[3], HBPort: p[4], SignatureScheme: "hmac-sha256", Key: "a-test-key"}
	file := filepath.Join(t.TempDir(), "connection.json")
	b, _ := json.Marshal(conn)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, session: newID(), iopub: make(chan *Message, 1000), log: &syncBuffer{}, exited: make(chan struct{})}
	c.signer, _ = NewSigner(conn.SignatureScheme, conn.Key)
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childEnv+"="+file)
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.exitErr = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("kernel log:\n%s", c.log.String())
		}
	})
	c.connect(conn)
	return c
}

// connect dials the kernel's sockets, retrying until the kernel listens
// (it loads its symbol tables first, which takes long on a busy machine)
// or its process ends.
func (c *client) connect(conn ConnectionInfo) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-c.exited
		cancel()
	}()
	retry := []zmq4.Option{zmq4.WithDialerRetry(50 * time.Millisecond), zmq4.WithDialerMaxRetries(-1)}
	c.shell = zmq4.NewDealer(ctx, retry...)
	c.control = zmq4.NewDealer(ctx, retry...)
	c.hb = zmq4.NewReq(ctx, retry...)
	sub := zmq4.NewSub(ctx, retry...)
	for _, s := range []struct {
		sock zmq4.Socket
		port int
	}{{c.shell, conn.ShellPort}, {c.control, conn.ControlPort}, {c.hb, conn.HBPort}, {sub, conn.IOPubPort}} {
		if err := s.sock.Dial(conn.endpoint(s.port)); err != nil {
			c.t.Fatalf("dialing the kernel: %v\n%s", err, c.log.String())
		}
	}
	if err := sub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		for {
			msg, err := sub.Recv()
			if err != nil {
				return
			}
			if m, err := c.signer.Decode(msg.Frames); err == nil {
				c.iopub <- m
			}
		}
	}()
	c.t.Cleanup(func() {
		for _, s := range []zmq4.Socket{c.shell, c.control, c.hb, sub} {
			s.Close()
		}
	})
}

// send sends a request and returns its id.
func (c *client) send(sock zmq4.Socket, msgType string, content any) string {
	m := c.message(msgType, content)
	c.sendMessage(sock, m)
	return m.Header.MsgID
}

// message makes a request, dated now.
func (c *client) message(msgType string, content any) *Message {
	m, err := reply(nil, c.session, msgType, content)
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// sendMessage signs and sends a request made by message.
func (c *client) sendMessage(sock zmq4.Socket, m *Message) {
	frames, err := c.signer.Encode(m)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := sock.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatal(err)
	}
}

// recv waits for the reply to id on sock.
func (c *client) recv(sock zmq4.Socket, id string, timeout time.Duration) *Message {
	type result struct {
		m   *Message
		err error
	}
	ch := make(chan result, 1)
	go func() {
		for {
			msg, err := sock.Recv()
			if err != nil {
				ch <- result{nil, err}
				return
			}
			m, err := c.signer.Decode(msg.Frames)
			if err != nil || parentID(m) != id {
				continue
			}
			ch <- result{m, nil}
			return
		}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			c.t.Fatal(r.err)
		}
		return r.m
	case <-time.After(timeout):
		c.t.Fatalf("no reply within %v\nkernel log:\n%s", timeout, c.log.String())
	}
	return nil
}

func parentID(m *Message) string {
	var h Header
	json.Unmarshal(m.Parent, &h)
	return h.MsgID
}

// outputs collects the IOPub messages of request id until its idle status.
func (c *client) outputs(id string, timeout time.Duration) []*Message {
	var out []*Message
	deadline := time.After(timeout)
	for {
		select {
		case m := <-c.iopub:
			if parentID(m) != id {
				continue
			}
			out = append(out, m)
			if m.Header.MsgType == "status" && content(m)["execution_state"] == "idle" {
				return out
			}
		case <-deadline:
			c.t.Fatalf("no idle status within %v; got %d messages\nkernel log:\n%s", timeout, len(out), c.log.String())
		}
	}
}

func content(m *Message) map[string]any {
	var c map[string]any
	json.Unmarshal(m.Content, &c)
	return c
}

// request sends a shell request and returns its reply and IOPub output.
func (c *client) request(msgType string, body any) (map[string]any, []*Message) {
	id := c.send(c.shell, msgType, body)
	reply := c.recv(c.shell, id, 2*time.Minute)
	return content(reply), c.outputs(id, time.Minute)
}

func (c *client) execute(code string) (map[string]any, []*Message) {
	return c.request("execute_request", map[string]any{"code": code, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": false})
}

// waitReady sends kernel_info requests until IOPub carries their status,
// so that no output is lost to a subscription still being set up.
func (c *client) waitReady() map[string]any {
	for i := 0; i < 100; i++ {
		id := c.send(c.shell, "kernel_info_request", map[string]any{})
		reply := c.recv(c.shell, id, time.Minute)
		select {
		case <-c.iopub:
			return content(reply)
		case <-time.After(200 * time.Millisecond):
		}
	}
	c.t.Fatal("IOPub never delivered a message")
	return nil
}

// ofType returns the contents of the messages of a type.
func ofType(msgs []*Message, msgType string) []map[string]any {
	var out []map[string]any
	for _, m := range msgs {
		if m.Header.MsgType == msgType {
			out = append(out, content(m))
		}
	}
	return out
}

func streamText(msgs []*Message, name string) string {
	var b strings.Builder
	for _, c := range ofType(msgs, "stream") {
		if c["name"] == name {
			b.WriteString(c["text"].(string))
		}
	}
	return b.String()
}

func TestProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kernel process")
	}
	c := startKernel(t)
	info := c.waitReady()
	lang, _ := info["language_info"].(map[string]any)
	if info["protocol_version"] != ProtocolVersion || info["implementation"] != "aim-kernel" || lang["name"] != "go" {
		t.Fatalf("kernel_info_reply %v", info)
	}
	t.Run("state across cells", func(t *testing.T) { testState(t, c) })
	t.Run("output", func(t *testing.T) { testOutput(t, c) })
	t.Run("errors", func(t *testing.T) { testErrors(t, c) })
	t.Run("complete and inspect", func(t *testing.T) { testComplete(t, c) })
	t.Run("interrupt", func(t *testing.T) { testInterrupt(t, c) })
	t.Run("bad messages", func(t *testing.T) { testBadMessages(t, c) })
	t.Run("heartbeat", func(t *testing.T) { testHeartbeat(t, c) })
	t.Run("shutdown", func(t *testing.T) { testShutdown(t, c) })
}

func testState(t *testing.T, c *client) {
	reply, out := c.execute("x := 40")
	if reply["status"] != "ok" || len(ofType(out, "execute_result")) != 0 {
		t.Fatalf("x := 40: %v, %d results", reply, len(ofType(out, "execute_result")))
	}
	reply, out = c.execute("x + 2")
	results := ofType(out, "execute_result")
	if reply["status"] != "ok" || len(results) != 1 {
		t.Fatalf("x + 2: %v, results %v", reply, results)
	}
	data := results[0]["data"].(map[string]any)
	if data["text/plain"] != "42" || results[0]["execution_count"] != reply["execution_count"] {
		t.Errorf("x + 2 showed %v (count %v), reply count %v", data, results[0]["execution_count"], reply["execution_count"])
	}
	reply, out = c.execute("x, x + 1")
	shown, results := ofType(out, "display_data"), ofType(out, "execute_result")
	if reply["status"] != "ok" || len(shown) != 1 || len(results) != 1 ||
		shown[0]["data"].(map[string]any)["text/plain"] != "40" || results[0]["data"].(map[string]any)["text/plain"] != "41" {
		t.Errorf("x, x + 1: %v, shown %v, results %v", reply, shown, results)
	}
	reply, _ = c.execute("import \"strconv\"\nstrconv.Atoi(\"x1\")")
	if reply["status"] != "error" || reply["ename"] != "error" || !strings.Contains(reply["evalue"].(string), "invalid syntax") {
		t.Errorf("a call whose error is not nil: %v", reply)
	}
	reply, out = c.execute("strconv.Atoi(\"12\")")
	if results := ofType(out, "execute_result"); len(results) != 1 || len(ofType(out, "display_data")) != 1 {
		t.Errorf("a call with a value and a nil error: %v, results %v", reply, results)
	}
	if in := ofType(out, "execute_input"); len(in) != 1 || in[0]["code"] != "strconv.Atoi(\"12\")" {
		t.Errorf("execute_input %v", in)
	}
	if states := ofType(out, "status"); len(states) != 2 || states[0]["execution_state"] != "busy" {
		t.Errorf("status messages %v, want busy then idle", states)
	}
}

func testOutput(t *testing.T, c *client) {
	_, out := c.execute("import (\n\t\"fmt\"\n\t\"os\"\n\t\"github.com/aim-go/aim/display\"\n)\n" +
		"fmt.Println(\"hello\")\nfmt.Fprintln(os.Stderr, \"to stderr\")\n" +
		"display.Show(display.Markdown(\"**shown**\"))\nfmt.Println(\"after\")")
	if got := streamText(out, "stdout"); got != "hello\nafter\n" {
		t.Errorf("stdout %q", got)
	}
	if got := streamText(out, "stderr"); got != "to stderr\n" {
		t.Errorf("stderr %q", got)
	}
	var order []string // stdout before the display, as printed
	for _, m := range out {
		if m.Header.MsgType == "stream" || m.Header.MsgType == "display_data" {
			order = append(order, m.Header.MsgType)
		}
	}
	if len(order) < 3 || order[0] != "stream" || !strings.Contains(strings.Join(order, ","), "display_data,stream") {
		t.Errorf("output order %v, want stdout, the display, then stdout", order)
	}
	shown := ofType(out, "display_data")
	if len(shown) != 1 || shown[0]["data"].(map[string]any)["text/markdown"] != "**shown**" {
		t.Errorf("display_data %v", shown)
	}
	_, out = c.execute("import \"gonum.org/v1/plot\"\np := plot.New()\np.Title.Text = \"inline\"\np")
	results := ofType(out, "execute_result")
	if len(results) != 1 {
		t.Fatalf("plot: results %v", results)
	}
	data := results[0]["data"].(map[string]any)
	if png, _ := data["image/png"].(string); len(png) < 1000 || data["image/svg+xml"] != nil {
		t.Errorf("a plot shows as PNG alone, got %d PNG characters and %T SVG", len(png), data["image/svg+xml"])
	}
}

func testErrors(t *testing.T, c *client) {
	reply, out := c.execute("y := 1\n\nundefinedName + y")
	errs := ofType(out, "error")
	if reply["status"] != "error" || reply["ename"] != "compile error" || !strings.Contains(reply["evalue"].(string), "line 3") || len(errs) != 1 {
		t.Errorf("undefined name: reply %v, error outputs %v", reply, errs)
	}
	reply, _ = c.execute("z := []int{}\n\n\nz[1]")
	if reply["status"] != "error" || reply["ename"] != "panic" || !strings.Contains(reply["evalue"].(string), "line 4") {
		t.Errorf("index out of range: %v", reply)
	}
	reply, _ = c.execute("import \"example.com/nothing\"")
	if reply["ename"] != "import error" {
		t.Errorf("uncarried import: %v", reply)
	}
	reply, out = c.execute("x")
	if reply["status"] != "ok" || len(ofType(out, "execute_result")) != 1 {
		t.Errorf("a cell after errors: %v", reply)
	}
	// Run all: the requests sent before a failed cell are aborted. Like a
	// front end's "run all", the client makes (and dates) every request
	// before it sends the first, however long the kernel then takes.
	var msgs []*Message
	for _, code := range []string{"undefinedThing", "x"} {
		msgs = append(msgs, c.message("execute_request", map[string]any{"code": code, "silent": false,
			"store_history": true, "user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true}))
	}
	var ids []string
	for _, m := range msgs {
		c.sendMessage(c.shell, m)
		ids = append(ids, m.Header.MsgID)
	}
	for i, want := range []string{"error", "aborted"} {
		if r := content(c.recv(c.shell, ids[i], time.Minute)); r["status"] != want {
			t.Errorf("run all, cell %d: %v, want %s", i, r, want)
		}
		c.outputs(ids[i], time.Minute)
	}
	if r, _ := c.execute("x"); r["status"] != "ok" {
		t.Errorf("a cell sent after the failure: %v", r)
	}
}

func testComplete(t *testing.T, c *client) {
	reply, _ := c.request("complete_request", map[string]any{"code": "fmt.Prin", "cursor_pos": 8})
	matches := fmt.Sprint(reply["matches"])
	if reply["status"] != "ok" || matches != "[Print Printf Println]" || reply["cursor_start"] != 4.0 || reply["cursor_end"] != 8.0 {
		t.Errorf("complete fmt.Prin: %v", reply)
	}
	reply, _ = c.request("complete_request", map[string]any{"code": "a := x", "cursor_pos": 6})
	if m := fmt.Sprint(reply["matches"]); !strings.Contains(m, "x") {
		t.Errorf("complete x: %v", m)
	}
	reply, _ = c.request("inspect_request", map[string]any{"code": "fmt.Println", "cursor_pos": 6, "detail_level": 0})
	data, _ := reply["data"].(map[string]any)
	if reply["found"] != true || !strings.Contains(fmt.Sprint(data["text/plain"]), "func Println(") {
		t.Errorf("inspect fmt.Println: %v", reply)
	}
	for code, want := range map[string]string{"for {": "incomplete", "x := 1": "complete", "x := )": "invalid"} {
		reply, _ = c.request("is_complete_request", map[string]any{"code": code})
		if reply["status"] != want {
			t.Errorf("is_complete %q: %v, want %s", code, reply, want)
		}
	}
}

func testInterrupt(t *testing.T, c *client) {
	for _, how := range []string{"message", "SIGINT"} {
		id := c.send(c.shell, "execute_request", map[string]any{"code": "fmt.Println(\"looping\")\nfor {}", "silent": false, "store_history": true,
			"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": false})
		waitFor(t, c, id, "stream") // the loop has started
		if how == "message" {
			ir := c.recv(c.control, c.send(c.control, "interrupt_request", map[string]any{}), time.Minute)
			if content(ir)["status"] != "ok" {
				t.Errorf("interrupt_reply %v", content(ir))
			}
		} else if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		reply := content(c.recv(c.shell, id, time.Minute))
		if reply["status"] != "error" || reply["ename"] != "interrupted" {
			t.Errorf("%s: interrupted cell replied %v", how, reply)
		}
		c.outputs(id, time.Minute)
		if r, _ := c.execute("x"); r["status"] != "ok" {
			t.Errorf("%s: the next cell: %v", how, r)
		}
	}
}

// waitFor waits for an IOPub message of a type answering id.
func waitFor(t *testing.T, c *client, id, msgType string) {
	deadline := time.After(time.Minute)
	for {
		select {
		case m := <-c.iopub:
			if parentID(m) == id && m.Header.MsgType == msgType {
				return
			}
		case <-deadline:
			t.Fatalf("no %s", msgType)
		}
	}
}

func testBadMessages(t *testing.T, c *client) {
	m, _ := reply(nil, c.session, "execute_request", map[string]any{"code": "x = 99"})
	frames, _ := c.signer.Encode(m)
	frames[1] = []byte(strings.Repeat("0", 64)) // a forged signature
	if err := c.shell.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		t.Fatal(err)
	}
	if err := c.shell.Send(zmq4.NewMsgFrom([]byte("garbage"))); err != nil {
		t.Fatal(err)
	}
	c.send(c.control, "execute_request", map[string]any{"code": "x = 77"}) // cells run on shell only
	reply, out := c.execute("x")
	data := ofType(out, "execute_result")
	if reply["status"] != "ok" || len(data) != 1 || data[0]["data"].(map[string]any)["text/plain"] != "40" {
		t.Errorf("after a forged message x = %v, want 40 (neither the forged cell nor the one on control may run)", data)
	}
	for _, want := range []string{"wrong signature", "no <IDS|MSG> delimiter", `control: ignoring a message of type "execute_request"`} {
		if !c.logged(want, time.Minute) {
			t.Errorf("the kernel did not log %q:\n%s", want, c.log.String())
		}
	}
}

// logged waits for text to appear in the kernel's log.
func (c *client) logged(text string, timeout time.Duration) bool {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(c.log.String(), text) {
			return true
		}
	}
	return false
}

func testHeartbeat(t *testing.T, c *client) {
	done := make(chan error, 1)
	go func() {
		if err := c.hb.Send(zmq4.NewMsgString("ping")); err != nil {
			done <- err
			return
		}
		msg, err := c.hb.Recv()
		if err == nil && string(msg.Bytes()) != "ping" {
			err = fmt.Errorf("echo %q", msg.Bytes())
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(time.Minute):
		t.Error("no heartbeat")
	}
}

func testShutdown(t *testing.T, c *client) {
	r := c.recv(c.control, c.send(c.control, "shutdown_request", map[string]any{"restart": false}), time.Minute)
	if got := content(r); got["status"] != "ok" || got["restart"] != false {
		t.Errorf("shutdown_reply %v", got)
	}
	select {
	case <-c.exited:
		if c.exitErr != nil {
			t.Errorf("kernel exit: %v", c.exitErr)
		}
	case <-time.After(time.Minute):
		t.Error("the kernel did not exit after shutdown")
	}
}

// TestInterruptedWaitTraceback: a cell interrupted while it waits for an
// earlier cell's compiled call publishes an error whose traceback is a
// list of strings, as every error's is (clients iterate over it).
func TestInterruptedWaitTraceback(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kernel process")
	}
	c := startKernel(t)
	c.waitReady()
	// A compiled call that ignores ctx: a request to a server that answers
	// only when the test ends. The server sees the request once the call
	// is under way.
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	t.Cleanup(server.Close)
	t.Cleanup(func() { close(release) })
	c.execute(`import "net/http"`)
	running := c.send(c.shell, "execute_request", map[string]any{"code": "http.Get(\"" + server.URL + "\")", "silent": false,
		"store_history": true, "user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": false})
	select {
	case <-arrived:
	case <-time.After(time.Minute):
		t.Fatalf("the cell's request did not reach the server\nkernel log:\n%s", c.log.String())
	}
	if r := c.interruptCell(running); !strings.Contains(fmt.Sprint(r["evalue"]), "still running") {
		t.Fatalf("the interrupted compiled call: %v, want it still running", r)
	}
	waiting := c.send(c.shell, "execute_request", map[string]any{"code": "1", "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": false})
	waitFor(t, c, waiting, "execute_input")
	reply := c.interruptCell(waiting)
	errs := ofType(c.outputs(waiting, time.Minute), "error")
	if reply["ename"] != "interrupted" || len(errs) != 1 {
		t.Fatalf("the waiting cell replied %v and published the errors %v; want one interruption", reply, errs)
	}
	for what, tb := range map[string]any{"reply": reply["traceback"], "IOPub error": errs[0]["traceback"]} {
		lines, ok := tb.([]any)
		if !ok || len(lines) == 0 {
			t.Errorf("the %s's traceback is %#v, want a list of strings", what, tb)
		}
		for _, l := range lines {
			if _, ok := l.(string); !ok {
				t.Errorf("the %s's traceback holds %#v, want strings", what, l)
			}
		}
	}
}

// interruptCell sends an interrupt request and returns the reply of the
// execute request id.
func (c *client) interruptCell(id string) map[string]any {
	c.t.Helper()
	ir := c.recv(c.control, c.send(c.control, "interrupt_request", map[string]any{}), time.Minute)
	if content(ir)["status"] != "ok" {
		c.t.Errorf("interrupt_reply %v", content(ir))
	}
	return content(c.recv(c.shell, id, time.Minute))
}

// TestPanicInGoroutine: a panic in a goroutine the cell started ends the
// process (Jupyter then restarts the kernel), with the report in the log.
func TestPanicInGoroutine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kernel process")
	}
	c := startKernel(t)
	c.waitReady()
	c.send(c.shell, "execute_request", map[string]any{"code": "go func() { panic(\"boom in a goroutine\") }()\nselect {}",
		"silent": false, "store_history": true, "user_expressions": map[string]any{}, "allow_stdin": false})
	select {
	case <-c.exited:
		if c.exitErr == nil {
			t.Error("the kernel exited with status 0")
		}
	case <-time.After(time.Minute):
		t.Fatal("the kernel survived a panic in a goroutine")
	}
	if !c.logged("boom in a goroutine", time.Minute) {
		t.Errorf("the panic is not in the kernel log:\n%s", c.log.String())
	}
}
