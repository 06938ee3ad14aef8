package testbin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// StartTimeout is how long [Start] waits for the "listening" line.
const StartTimeout = 10 * time.Second

// Process is one corscookie process started by [Start]. Its stderr is kept in
// memory, and it is reaped once stderr closes.
type Process struct {
	// URL is the api field of the "listening" line: http://127.0.0.1:PORT.
	URL string

	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // the Wait error, set before done is closed

	mu     sync.Mutex
	stderr bytes.Buffer

	terminate sync.Once
}

// Start runs bin with args and the whole environment env, and waits for its
// JSON "listening" line. A process that exits first, or is not listening after
// StartTimeout, is killed and reported in an error that holds its stderr.
func Start(bin string, args, env []string) (*Process, error) {
	p := &Process{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = env
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}

	listening := make(chan string, 1)
	go p.readStderr(stderr, listening)
	select {
	case p.URL = <-listening:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("exited before listening (%v); stderr:\n%s",
			p.err, p.Stderr())
	case <-time.After(StartTimeout):
		p.cmd.Process.Kill()
		<-p.done
		return nil, fmt.Errorf("not listening after %v; stderr:\n%s",
			StartTimeout, p.Stderr())
	}
}

// readStderr keeps stderr, sends the api field of the first "listening" line,
// and reaps the process once stderr is closed.
func (p *Process) readStderr(r io.Reader, listening chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		p.mu.Lock()
		p.stderr.Write(sc.Bytes())
		p.stderr.WriteByte('\n')
		p.mu.Unlock()

		var line struct{ Msg, API string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			select {
			case listening <- line.API:
			default:
			}
		}
	}
	io.Copy(io.Discard, r)
	p.err = p.cmd.Wait()
	close(p.done)
}

// Stderr returns everything the process has written to stderr so far.
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} {
	return p.done
}

// Terminate sends SIGTERM once and waits up to limit for the exit, killing the
// process after that. It reports whether the process exited in time, the
// signal or Wait error and how long it took; later calls report exited and
// nothing else.
func (p *Process) Terminate(limit time.Duration) (
	exited bool, took time.Duration, err error) {
	exited = true
	p.terminate.Do(func() {
		start := time.Now()
		err = p.cmd.Process.Signal(syscall.SIGTERM)
		if errors.Is(err, os.ErrProcessDone) {
			err = nil
		}

		select {
		case <-p.done:
			took = time.Since(start)
			err = errors.Join(err, p.err)
		case <-time.After(limit):
			p.cmd.Process.Kill()
			<-p.done
			exited, took = false, limit
		}
	})
	return exited, took, err
}
