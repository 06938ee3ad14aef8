// Package tests runs the corscookie binary on loopback ports and talks HTTP to
// it.
//
// The router lives in package main, so these tests cannot import it: TestMain
// builds the binary once (or takes CORSCOOKIE_BIN), and each test starts its
// own processes.
package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corscookie/corscookie/tests/testbin"
)

// allowedOrigin is the origin corscookie allows when -origins is not given.
const allowedOrigin = "http://localhost:8080"

// Time limits for the processes under test.
const (
	stopTimeout = 5 * time.Second
	exitTimeout = 10 * time.Second
)

// binPath is the corscookie binary under test.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(testbin.Run(m, "..", &binPath))
}

// processEnv is the whole environment of a corscookie process: a private HOME,
// and extra, so that no CORSCOOKIE_ variable leaks in from the outer
// environment.
func processEnv(home string, extra []string) []string {
	return append([]string{"HOME=" + home, "XDG_CONFIG_HOME=" + home}, extra...)
}

// baseArgs are the flags every process gets: loopback only, no page, JSON logs.
func baseArgs(keysFile string) []string {
	return []string{"-api-addr", "127.0.0.1:0", "-web-addr", "", "-log-format", "json",
		"-keys-file", keysFile}
}

// serverConfig says how to start one corscookie process.
type serverConfig struct {
	keysFile string   // key file; empty means a new one in t.TempDir()
	env      []string // extra environment, KEY=VALUE
	args     []string // extra flags
}

// server is one running corscookie process.
type server struct {
	*testbin.Process
	keysFile string
}

// startServer starts corscookie, waits for its "listening" line and stops it
// with SIGTERM when the test ends, checking that it exits 0 in time.
func startServer(t *testing.T, cfg serverConfig) *server {
	t.Helper()
	if cfg.keysFile == "" {
		cfg.keysFile = filepath.Join(t.TempDir(), "keys")
	}
	args := append(baseArgs(cfg.keysFile), cfg.args...)
	p, err := testbin.Start(binPath, args, processEnv(t.TempDir(), cfg.env))
	if err != nil {
		t.Fatalf("corscookie: %v", err)
	}

	s := &server{Process: p, keysFile: cfg.keysFile}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop sends SIGTERM and checks that the process exits 0 within stopTimeout:
// the graceful shutdown. It is safe to call more than once.
func (s *server) stop(t *testing.T) {
	t.Helper()
	exited, _, err := s.Terminate(stopTimeout)
	switch {
	case !exited:
		t.Errorf("still running %v after SIGTERM, want a graceful exit", stopTimeout)
	case err != nil:
		t.Errorf("exit after SIGTERM: got %v, want exit status 0; stderr:\n%s", err, s.Stderr())
	}
}

// logLine is one JSON log line.
type logLine map[string]any

// str returns a string field of the line, or "".
func (l logLine) str(key string) string {
	v, _ := l[key].(string)
	return v
}

// logLines returns the JSON log lines written so far.
func (s *server) logLines() []logLine {
	var lines []logLine
	for raw := range strings.Lines(s.Stderr()) {
		var l logLine
		if json.Unmarshal([]byte(raw), &l) == nil {
			lines = append(lines, l)
		}
	}
	return lines
}

// waitLog waits up to 3 s for a log line that match accepts: stderr is read
// asynchronously, and request lines are written after the response.
func (s *server) waitLog(t *testing.T, match func(logLine) bool) (logLine, bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		for _, l := range s.logLines() {
			if match(l) {
				return l, true
			}
		}
		if time.Now().After(deadline) {
			return nil, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exitResult is how a process that should exit on its own ended.
type exitResult struct {
	code   int // -1 when it had to be killed
	stdout string
	stderr string
}

// runToExit runs corscookie with a fresh key file and waits up to exitTimeout
// for it to exit on its own.
func runToExit(t *testing.T, env, args []string) exitResult {
	t.Helper()
	keys := filepath.Join(t.TempDir(), "keys")
	return runToExitWithKeys(t, keys, env, args)
}

// runToExitWithKeys is runToExit with a given key file.
func runToExitWithKeys(t *testing.T, keys string, env, args []string) exitResult {
	t.Helper()
	return runBinary(t, env, append(baseArgs(keys), args...))
}

// runToExitStdout runs corscookie with exactly args and an empty environment.
func runToExitStdout(t *testing.T, args ...string) exitResult {
	t.Helper()
	return runBinary(t, nil, args)
}

// runBinary runs corscookie and waits up to exitTimeout for it to exit.
func runBinary(t *testing.T, env, args []string) exitResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = processEnv(t.TempDir(), env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()

	res := exitResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.code = -1
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run corscookie: %v", err)
	}
	return res
}

// writeKeysFile writes a key file of the given mode in t.TempDir().
func writeKeysFile(t *testing.T, mode os.FileMode, keys string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(keys+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // the umask may have narrowed it
		t.Fatal(err)
	}
	return path
}

// newJarClient returns a client that keeps cookies and does not follow
// redirects.
func newJarClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: noRedirect,
		Transport:     &http.Transport{DisableKeepAlives: true},
	}
}

// noRedirect makes a client return a redirect instead of following it.
func noRedirect(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}

// rawClient has no jar: each request carries exactly the headers the test sets.
//
// Neither client keeps connections alive: a spare connection the transport
// dialed but never used would hold up the server's shutdown (see
// TestShutdownWithOpenConn).
var rawClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: noRedirect,
	Transport:     &http.Transport{DisableKeepAlives: true},
}

// result is a response read in full.
type result struct {
	status int
	header http.Header
	body   string
}

// do sends one request with exactly the header h and reads the whole response.
func do(t *testing.T, c *http.Client, method, url string, h http.Header) result {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h != nil {
		req.Header = h
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()

	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return result{status: res.StatusCode, header: res.Header, body: string(body)}
}

// fromOrigin returns a header with one Origin line, plus key/value pairs.
func fromOrigin(origin string, kv ...string) http.Header {
	h := http.Header{"Origin": {origin}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// jsonBody decodes a flat JSON object of strings; it fails the test on anything
// else.
func jsonBody(t *testing.T, r result) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object of strings: %v", r.body, err)
	}
	return m
}

// setCookie is one parsed Set-Cookie header.
type setCookie struct {
	raw   string
	name  string
	value string
	attrs map[string]string // lower-case attribute name to value ("" for flags)
}

// setCookies parses every Set-Cookie header of r.
func setCookies(r result) []setCookie {
	var out []setCookie
	for _, raw := range r.header.Values("Set-Cookie") {
		parts := strings.Split(raw, ";")
		name, value, _ := strings.Cut(strings.TrimSpace(parts[0]), "=")
		c := setCookie{raw: raw, name: name, value: value, attrs: map[string]string{}}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			c.attrs[strings.ToLower(k)] = v
		}
		out = append(out, c)
	}
	return out
}

// oneSetCookie returns the only Set-Cookie header of r, failing the test
// otherwise.
func oneSetCookie(t *testing.T, r result) setCookie {
	t.Helper()
	cs := setCookies(r)
	if len(cs) != 1 {
		t.Fatalf("Set-Cookie headers: got %d %q, want 1", len(cs), r.header.Values("Set-Cookie"))
	}
	return cs[0]
}

// checkCookieAttrs checks the attributes of a token cookie written under the
// default policy, with the given Max-Age.
func checkCookieAttrs(t *testing.T, c setCookie, maxAge string) {
	t.Helper()
	want := map[string]string{"path": "/", "httponly": "", "samesite": "Lax", "max-age": maxAge}
	for k, v := range want {
		if got, ok := c.attrs[k]; !ok || got != v {
			t.Errorf("Set-Cookie %q: attribute %s: got %q (present %v), want %q",
				c.raw, k, got, ok, v)
		}
	}
	for _, k := range []string{"secure", "domain", "partitioned", "expires"} {
		if _, ok := c.attrs[k]; ok {
			t.Errorf("Set-Cookie %q: got attribute %s, want none", c.raw, k)
		}
	}
}

// accessControl returns every Access-Control-* header of r.
func accessControl(r result) http.Header {
	h := http.Header{}
	for k, v := range r.header {
		if strings.HasPrefix(k, "Access-Control-") {
			h[k] = v
		}
	}
	return h
}

// varyHas reports whether the Vary header of r lists name.
func varyHas(r result, name string) bool {
	for _, v := range r.header.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// checkCORSAllowed checks the headers an allowed origin gets on an actual
// request.
func checkCORSAllowed(t *testing.T, r result) {
	t.Helper()
	if got := r.header.Get("Access-Control-Allow-Origin"); got != allowedOrigin {
		t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, allowedOrigin)
	}
	if got := r.header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("Access-Control-Allow-Credentials: got %q, want %q", got, "true")
	}
	if !varyHas(r, "Origin") {
		t.Errorf("Vary: got %q, want Origin listed", r.header.Values("Vary"))
	}
}
