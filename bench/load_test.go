package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corscookie/corscookie/tests/testbin"
)

// Short load runs: bounded in time, few connections, loopback only.
const (
	shortDuration = 2 * time.Second
	shortConns    = 16
	shutdownLoad  = 3 * time.Second         // the wrk run of TestShutdownUnderLoad
	shutdownAfter = 1500 * time.Millisecond // SIGTERM this long into it
)

// Binaries under test, built by TestMain.
var corscookieBin, baselineBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests builds the baseline and gets corscookie, then runs the tests.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "corscookie-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	bin, cleanup, err := testbin.Build("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer cleanup()
	corscookieBin = bin

	baselineBin = filepath.Join(dir, "baseline")
	if err := testbin.GoBuild(baselineBin, "./baseline"); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	return m.Run()
}

// needWrk fails the test when wrk is not installed.
func needWrk(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk not found: apt-get install wrk (make bench and .ci/run install it)")
	}
}

// startFunc starts one kind of server.
type startFunc func(bin, dir, cpus string) (*Server, error)

// startServer starts a server and, when the test ends, stops it and wants exit 0.
func startServer(t *testing.T, start startFunc, bin string) *Server {
	t.Helper()
	s, err := start(bin, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		code, err := s.Stop()
		if err != nil || code != 0 {
			t.Errorf("%s stop: got exit code %d (%v), want 0; log %s", s.Name, code, err, s.Log)
		}
	})
	return s
}

// TestLoadShort runs every scenario for 2 s on both servers and wants no socket
// error and no status but the scenario's.
func TestLoadShort(t *testing.T) {
	needWrk(t)
	servers := []*Server{
		startServer(t, StartCorscookie, corscookieBin),
		startServer(t, StartBaseline, baselineBin),
	}

	for _, s := range servers {
		for _, sc := range Scenarios {
			t.Run(s.Name+"/"+sc.Name, func(t *testing.T) {
				res := runCounted(t, sc, s.URL, shortDuration)
				if n := res.SocketErrors(); n != 0 {
					t.Errorf("socket errors: got %d (%+v), want 0", n, res)
				}
				checkStatuses(t, res, sc.Want)
			})
		}
	}
}

// TestShutdownUnderLoad sends SIGTERM to corscookie in the middle of a verify run. The
// server must exit 0 within 5 s, having shut down gracefully, and every request it
// logged must have reached wrk as a complete 200: requests in flight at SIGTERM are
// answered. After the listener is closed, wrk's connects fail; with its non-blocking
// connect they show up as read and write errors, so those are not counted.
func TestShutdownUnderLoad(t *testing.T) {
	needWrk(t)
	s := startServer(t, StartCorscookie, corscookieBin)
	verify, err := ScenarioNamed("verify")
	if err != nil {
		t.Fatal(err)
	}

	results := make(chan Result, 1)
	go func() { results <- runCounted(t, verify, s.URL, shutdownLoad) }()
	time.Sleep(shutdownAfter)
	code, took, err := terminate(s)
	if err != nil || code != 0 {
		t.Errorf("exit after SIGTERM: got code %d (%v) after %v, want 0 within %v; log %s",
			code, err, took, StopTimeout, s.Log)
	}

	res := <-results
	t.Logf("exit %v after SIGTERM; wrk: %+v", took, res)
	checkStatuses(t, res, verify.Want)
	if res.Timeout != 0 {
		t.Errorf("timeouts: got %d, want 0", res.Timeout)
	}
	logged := readLog(t, s.Log)
	if got := logged.requests[verify.Path]; got != res.Requests {
		t.Errorf("requests to %s: server logged %d, wrk got %d; want the same",
			verify.Path, got, res.Requests)
	}
	if logged.forcedClose {
		t.Error("shutdown closed connections still open, want a graceful shutdown")
	}
}

// terminate sends SIGTERM to s and waits up to StopTimeout for its exit.
func terminate(s *Server) (code int, took time.Duration, err error) {
	begin := time.Now()
	if err := s.Terminate(); err != nil {
		return -1, 0, err
	}
	code, err = s.Wait(StopTimeout)
	return code, time.Since(begin), err
}

// serverLog is what a server's JSON log says about the load.
type serverLog struct {
	requests    map[string]int64 // request lines of status 200, by path
	forcedClose bool             // shutdown timed out and closed connections
}

// readLog reads the JSON log file at path.
func readLog(t *testing.T, path string) serverLog {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	logged := serverLog{requests: map[string]int64{}}
	for line := range strings.Lines(string(data)) {
		var l struct {
			Msg, Path string
			Status    int
		}
		if json.Unmarshal([]byte(line), &l) != nil {
			t.Errorf("log line %q is not JSON", line)
		}
		switch {
		case l.Msg == "request" && l.Status == http.StatusOK:
			logged.requests[l.Path]++
		case l.Msg == "request":
			t.Errorf("log: got %q, want status 200", line)
		case l.Msg == "closing connections still open at shutdown":
			logged.forcedClose = true
		}
	}
	return logged
}

// runCounted runs sc against url for d with shortConns connections, counting
// statuses. It may run outside the test goroutine, so it reports with t.Error.
func runCounted(t *testing.T, sc Scenario, url string, d time.Duration) Result {
	l, err := sc.Load(url, d, shortConns)
	if err != nil {
		t.Error(err)
		return Result{}
	}
	l.Count = true
	res, err := RunWrk(l)
	if err != nil {
		t.Error(err)
	}
	return res
}

// checkStatuses wants some responses, all of status want.
func checkStatuses(t *testing.T, res Result, want int) {
	t.Helper()
	if res.Requests == 0 {
		t.Errorf("requests: got 0, want some")
	}
	if n := res.Unexpected(want); n != 0 || res.Status != 0 {
		t.Errorf("statuses: got %v (%d of 400 and over), want only %d", res.Statuses,
			res.Status, want)
	}
	var counted int64
	for _, n := range res.Statuses {
		counted += n
	}
	if counted != res.Requests {
		t.Errorf("counted statuses: got %d, want %d, one per request", counted, res.Requests)
	}
}
