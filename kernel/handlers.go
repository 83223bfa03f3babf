package kernel

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/display"
)

// handler answers one request type with its reply's content.
type handler func(k *Kernel, m *Message) any

// handlers maps a request type to its handler and reply type.
var handlers = map[string]struct {
	reply string
	h     handler
}{
	"kernel_info_request": {"kernel_info_reply", (*Kernel).kernelInfo},
	"execute_request":     {"execute_reply", (*Kernel).execute},
	"complete_request":    {"complete_reply", (*Kernel).complete},
	"inspect_request":     {"inspect_reply", (*Kernel).inspect},
	"is_complete_request": {"is_complete_reply", (*Kernel).isComplete},
	"interrupt_request":   {"interrupt_reply", (*Kernel).interruptRequest},
	"shutdown_request":    {"shutdown_reply", (*Kernel).shutdown},
	"comm_info_request":   {"comm_info_reply", func(*Kernel, *Message) any { return okContent{"comms": map[string]any{}} }},
	"history_request":     {"history_reply", func(*Kernel, *Message) any { return okContent{"history": []any{}} }},
}

// Messages about widgets, which the kernel does not have: no reply.
var ignored = map[string]bool{"comm_open": true, "comm_msg": true, "comm_close": true}

// controlRequests are the requests the control socket answers; the others
// belong on shell, where cells run one at a time.
var controlRequests = map[string]bool{"kernel_info_request": true, "interrupt_request": true, "shutdown_request": true}

// okContent is a reply content with status ok.
type okContent map[string]any

func (c okContent) with() map[string]any {
	out := map[string]any{"status": "ok"}
	for k, v := range c {
		out[k] = v
	}
	return out
}

// handle answers a request between busy and idle status messages. A
// handler's panic is logged and the request gets an error reply: a bad
// message never ends the kernel.
func (k *Kernel) handle(sock sender, name string, m *Message) {
	h, ok := handlers[m.Header.MsgType]
	if !ok || (name == "control" && !controlRequests[m.Header.MsgType]) {
		if !ignored[m.Header.MsgType] {
			k.log.Printf("%s: ignoring a message of type %q", name, m.Header.MsgType)
		}
		return
	}
	k.publish(m, "status", map[string]string{"execution_state": "busy"})
	content := k.call(h.h, m)
	if c, ok := content.(okContent); ok {
		content = c.with()
	}
	k.send(sock, m, h.reply, content)
	k.publish(m, "status", map[string]string{"execution_state": "idle"})
	if m.Header.MsgType == "shutdown_request" {
		k.stop()
	}
}

// call runs a handler, turning a panic into an error reply.
func (k *Kernel) call(h handler, m *Message) (content any) {
	defer func() {
		if r := recover(); r != nil {
			k.log.Printf("%s: panic: %v\n%s", m.Header.MsgType, r, debug.Stack())
			content = errorContent("internal error", fmt.Sprint(r), nil)
		}
	}()
	return h(k, m)
}

// errorContent is the content of an error reply.
func errorContent(name, value string, traceback []string) map[string]any {
	c := errorOutput(name, value, traceback)
	c["status"] = "error"
	return c
}

// errorOutput is the content of an IOPub error message. Its traceback is
// always a list of strings, which clients iterate over: "name: value" when
// none is given.
func errorOutput(name, value string, traceback []string) map[string]any {
	if len(traceback) == 0 {
		traceback = []string{name + ": " + value}
	}
	return map[string]any{"ename": name, "evalue": value, "traceback": traceback}
}

// Version is the kernel's implementation version.
const Version = "0.1.0"

func (k *Kernel) kernelInfo(*Message) any {
	return okContent{
		"protocol_version": ProtocolVersion, "implementation": "aim-kernel", "implementation_version": Version,
		"language_info": map[string]any{
			"name": "go", "version": runtime.Version(), "mimetype": "text/x-go", "file_extension": ".go",
			"pygments_lexer": "go", "codemirror_mode": "go",
		},
		"banner": "aim-kernel " + Version + ": Go cells (yaegi) with AIM, gorgonia, tensor and gonum/plot compiled in; BLAS: " + blas.Backend(),
		"help_links": []map[string]string{
			{"text": "aim notebooks", "url": "https://github.com/aim-go/aim/blob/main/docs/notebooks.md"},
			{"text": "Go", "url": "https://go.dev/doc/"},
		},
	}
}

type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	StopOnError     *bool             `json:"stop_on_error"`
}

func (k *Kernel) execute(m *Message) any {
	var req executeRequest
	if err := decode(m, &req); err != nil {
		return errorContent("bad request", err.Error(), nil)
	}
	count, abort := k.startCell(m, req)
	if abort {
		return map[string]any{"status": "aborted", "execution_count": count}
	}
	ctx := k.cellContext() // before execute_input: an interrupt from then on stops this cell
	if !req.Silent {
		k.publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": count})
	}
	out := k.sess.Execute(ctx, req.Code)
	k.out.flush()
	if out.Err != nil {
		if req.StopOnError == nil || *req.StopOnError {
			k.mu.Lock()
			k.abortBefore = time.Now()
			k.mu.Unlock()
		}
		e := out.Err
		k.publish(m, "error", errorOutput(e.Name, e.Value, e.Traceback))
		c := errorContent(e.Name, e.Value, e.Traceback)
		c["execution_count"] = count
		return c
	}
	if out.HasValue && !req.Silent {
		k.showResult(m, out.Value, count)
	}
	return okContent{"execution_count": count, "user_expressions": k.userExpressions(req.UserExpressions), "payload": []any{}}
}

// showResult publishes a cell's value; each of several values (a Tuple)
// is shown, the last as the execute_result.
func (k *Kernel) showResult(m *Message, v any, count int) {
	if t, ok := v.(Tuple); ok && len(t) > 0 {
		for _, e := range t[:len(t)-1] {
			k.publish(m, "display_data", bundleContent(k.render(e), nil))
		}
		v = t[len(t)-1]
	}
	k.publish(m, "execute_result", bundleContent(k.render(v), &count))
}

// startCell makes m the request that output belongs to and counts it;
// abort says that it was sent before a cell failed (as "run all" does),
// so it is not run.
func (k *Kernel) startCell(m *Message, req executeRequest) (count int, abort bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if sent, err := time.Parse(time.RFC3339Nano, m.Header.Date); err == nil && sent.Before(k.abortBefore) {
		return k.count, true
	}
	k.parent = m
	if !req.Silent && (req.StoreHistory == nil || *req.StoreHistory) {
		k.count++
	}
	return k.count, false
}

// render turns a cell's value into a bundle; a failure to draw it is
// printed to stderr and the value shown as text.
func (k *Kernel) render(v any) (d display.Data) {
	defer func() {
		if r := recover(); r != nil {
			k.publishStream("stderr", fmt.Sprintf("showing the value: panic: %v\n", r))
			d = display.Text(fmt.Sprintf("%T", v))
		}
	}()
	d, err := display.Render(v)
	if err != nil {
		k.publishStream("stderr", "showing the value: "+err.Error()+"\n")
		return display.Text(fmt.Sprint(v))
	}
	return d
}

// userExpressions evaluates the expressions an execute request asks for.
func (k *Kernel) userExpressions(exprs map[string]string) map[string]any {
	out := map[string]any{}
	for name, expr := range exprs {
		v, err := k.sess.eval(expr)
		switch {
		case err != nil:
			out[name] = errorContent("error", err.Error(), nil)
		case !v.IsValid() || !v.CanInterface():
			out[name] = okContent{"data": map[string]string{}, "metadata": map[string]any{}}.with()
		default:
			d := k.render(v.Interface())
			out[name] = okContent{"data": d.MIME, "metadata": map[string]any{}}.with()
		}
	}
	return out
}

type codeRequest struct {
	Code        string `json:"code"`
	CursorPos   int    `json:"cursor_pos"`
	DetailLevel int    `json:"detail_level"`
}

func (k *Kernel) complete(m *Message) any {
	var req codeRequest
	if err := decode(m, &req); err != nil {
		return errorContent("bad request", err.Error(), nil)
	}
	c := k.sess.Complete(req.Code, req.CursorPos)
	if c.Matches == nil {
		c.Matches = []string{}
	}
	return okContent{"matches": c.Matches, "cursor_start": c.Start, "cursor_end": c.End, "metadata": map[string]any{}}
}

func (k *Kernel) inspect(m *Message) any {
	var req codeRequest
	if err := decode(m, &req); err != nil {
		return errorContent("bad request", err.Error(), nil)
	}
	text, found := k.sess.Inspect(req.Code, req.CursorPos)
	data := map[string]string{}
	if found {
		data["text/plain"] = text
	}
	return okContent{"found": found, "data": data, "metadata": map[string]any{}}
}

func (k *Kernel) isComplete(m *Message) any {
	var req codeRequest
	if err := decode(m, &req); err != nil {
		return errorContent("bad request", err.Error(), nil)
	}
	status, indent := IsComplete(req.Code)
	c := map[string]any{"status": status}
	if status == "incomplete" {
		c["indent"] = indent
	}
	return c
}

func (k *Kernel) interruptRequest(*Message) any {
	k.interrupt()
	return okContent{}
}

func (k *Kernel) shutdown(m *Message) any {
	var req struct {
		Restart bool `json:"restart"`
	}
	if err := decode(m, &req); err != nil {
		return errorContent("bad request", err.Error(), nil)
	}
	k.interrupt()
	return okContent{"restart": req.Restart}
}
