package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server start and stop limits.
const (
	startTimeout = 10 * time.Second
	StopTimeout  = 5 * time.Second // from SIGTERM to exit, for a graceful shutdown
)

var (
	errNotListening = errors.New("bench: server not listening")
	errStopTimeout  = errors.New("bench: server still running after SIGTERM")
)

// Server is one server process, its stderr going to a log file.
type Server struct {
	Name string
	URL  string // http://127.0.0.1:PORT
	Log  string // path of the log file

	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // the Wait error, set before done is closed
}

// StartCorscookie starts the corscookie binary on a free loopback port, API only, with
// a new key file in dir.
func StartCorscookie(bin, dir, cpus string) (*Server, error) {
	args := []string{"-api-addr", "127.0.0.1:0", "-web-addr", "",
		"-keys-file", filepath.Join(dir, "keys"), "-log-format", "json"}
	return start("corscookie", dir, pinned(cpus, bin, args...))
}

// StartBaseline starts the baseline binary (bench/baseline) on a free loopback port.
func StartBaseline(bin, dir, cpus string) (*Server, error) {
	return start("baseline", dir, pinned(cpus, bin, "-addr", "127.0.0.1:0"))
}

// start runs cmd with stderr in dir/NAME.log and waits for its "listening" line.
func start(name, dir string, cmd *exec.Cmd) (*Server, error) {
	s := &Server{Name: name, Log: filepath.Join(dir, name+".log"), cmd: cmd,
		done: make(chan struct{})}
	log, err := os.Create(s.Log)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = []string{"HOME=" + dir} // no CORSCOOKIE_ variable leaks in
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()

	if s.URL, err = s.waitListening(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitListening polls the log for the "listening" line and returns its api field.
func (s *Server) waitListening() (string, error) {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if url := listeningURL(s.Log); url != "" {
			return url, nil
		}
		select {
		case <-s.done:
			return "", fmt.Errorf("%w: %s exited: %v", errNotListening, s.Name, s.err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return "", fmt.Errorf("%w: %s after %v", errNotListening, s.Name, startTimeout)
}

// listeningURL returns the api field of the first JSON "listening" line in the log
// file at path, or "".
func listeningURL(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()

	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct{ Msg, API string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			return line.API
		}
	}
	return ""
}

// PID returns the process id of the server.
func (s *Server) PID() int {
	return s.cmd.Process.Pid
}

// PeakRSS returns the peak resident set size in KiB: VmHWM of /proc/PID/status.
func (s *Server) PeakRSS() (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.PID()))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("bench: no VmHWM in /proc/%d/status", s.PID())
}

// Terminate sends SIGTERM: the server begins its graceful shutdown.
func (s *Server) Terminate() error {
	err := s.cmd.Process.Signal(syscall.SIGTERM)
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// Wait waits up to limit for the exit and returns the exit code, -1 when a signal
// ended the process. Past limit it kills the process and returns errStopTimeout.
func (s *Server) Wait(limit time.Duration) (int, error) {
	select {
	case <-s.done:
	case <-time.After(limit):
		s.cmd.Process.Kill()
		<-s.done
		return -1, fmt.Errorf("%w: %s after %v", errStopTimeout, s.Name, limit)
	}

	var exit *exec.ExitError
	if s.err != nil && !errors.As(s.err, &exit) {
		return -1, s.err
	}
	return s.cmd.ProcessState.ExitCode(), nil
}

// Stop sends SIGTERM and waits up to [StopTimeout] for the exit.
func (s *Server) Stop() (int, error) {
	if err := s.Terminate(); err != nil {
		return -1, err
	}
	return s.Wait(StopTimeout)
}
