package bench

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrkScript is the Lua script of every run: headers, method, and the result line.
//
//go:embed wrk.lua
var wrkScript []byte

// resultPrefix starts the line that wrk.lua's done() prints.
const resultPrefix = "wrkresult "

// errNoResult means that wrk ended without printing its result line.
var errNoResult = errors.New("bench: no result line from wrk")

// Load is one wrk run.
type Load struct {
	URL      string
	Method   string
	Header   []string      // "Name: value" lines
	Duration time.Duration // rounded up to whole seconds, as wrk counts them
	Conns    int           // connections kept open
	Threads  int           // wrk threads; 0 means 2
	CPUs     string        // taskset CPU list for wrk; "" runs it anywhere
	Count    bool          // count responses by status, at some cost to wrk's speed
}

// Result is what one wrk run saw. Latencies are in microseconds.
type Result struct {
	Requests   int64            `json:"requests"`
	DurationUS int64            `json:"duration_us"`
	P50US      int64            `json:"p50_us"`
	P99US      int64            `json:"p99_us"`
	Connect    int64            `json:"connect"`
	Read       int64            `json:"read"`
	Write      int64            `json:"write"`
	Timeout    int64            `json:"timeout"`
	Status     int64            `json:"status"`   // responses of status 400 and over
	Statuses   map[string]int64 `json:"statuses"` // by status; empty unless Load.Count
}

// RPS returns the completed requests per second.
func (r Result) RPS() float64 {
	if r.DurationUS == 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationUS) / 1e6)
}

// SocketErrors returns the connect, read, write and timeout errors.
func (r Result) SocketErrors() int64 {
	return r.Connect + r.Read + r.Write + r.Timeout
}

// Unexpected returns the responses whose status was not want: every counted one of
// another status, or else the 4xx and 5xx that wrk always counts.
func (r Result) Unexpected(want int) int64 {
	if len(r.Statuses) == 0 {
		return r.Status
	}
	var n int64
	for status, count := range r.Statuses {
		if status != strconv.Itoa(want) {
			n += count
		}
	}
	return n
}

// Command returns the wrk command line of l, with the Lua script at script.
func (l Load) Command(script string) *exec.Cmd {
	threads := l.Threads
	if threads == 0 {
		threads = 2
	}
	secs := int(math.Ceil(l.Duration.Seconds()))
	args := []string{"-t", strconv.Itoa(min(threads, l.Conns)), "-c", strconv.Itoa(l.Conns),
		"-d", strconv.Itoa(max(secs, 1)) + "s", "-s", script, l.URL, "--", l.Method}
	if l.Count {
		args = append(args, "count")
	}
	args = append(args, l.Header...)
	return pinned(l.CPUs, "wrk", args...)
}

// RunWrk runs l to its end and returns the result line of wrk.lua.
func RunWrk(l Load) (Result, error) {
	script, err := writeScript()
	if err != nil {
		return Result{}, err
	}
	defer os.Remove(script)

	var out bytes.Buffer
	cmd := l.Command(script)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("bench: wrk: %w: %s", err, out.String())
	}
	return parseResult(out.Bytes())
}

// writeScript writes wrk.lua to a temporary file and returns its path.
func writeScript() (string, error) {
	f, err := os.CreateTemp("", "corscookie-wrk-*.lua")
	if err != nil {
		return "", err
	}
	_, err = f.Write(wrkScript)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// parseResult finds the result line in the output of wrk and decodes it.
func parseResult(out []byte) (Result, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), resultPrefix)
		if !ok {
			continue
		}
		var r Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return Result{}, fmt.Errorf("bench: wrk result %q: %w", line, err)
		}
		return r, nil
	}
	return Result{}, fmt.Errorf("%w: %s", errNoResult, out)
}

// pinned returns the command name args, run on cpus with taskset when cpus is set.
func pinned(cpus, name string, args ...string) *exec.Cmd {
	if cpus == "" {
		return exec.Command(name, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpus, name}, args...)...)
}
