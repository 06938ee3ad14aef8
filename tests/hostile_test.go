package tests

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLargeHeaders sends request headers around the 64 KiB limit.
func TestLargeHeaders(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})

	tests := []struct {
		name       string
		size       int
		wantStatus int
	}{
		{"32 KiB", 32 << 10, http.StatusOK},
		{"63 KiB", 63 << 10, http.StatusOK},
		{"just over 64 KiB", 64<<10 + 1, http.StatusRequestHeaderFieldsTooLarge},
		{"80 KiB", 80 << 10, http.StatusRequestHeaderFieldsTooLarge},
		{"1 MiB", 1 << 20, http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := fromOrigin(allowedOrigin, "X-Big", strings.Repeat("a", tt.size))
			r := do(t, rawClient, "GET", s.URL+"/healthz", h)
			if r.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", r.status, tt.wantStatus)
			}
		})
	}
}

// TestSlowHeaders opens a connection, sends half a request line and then
// nothing: the server hangs up after its 5 s ReadHeaderTimeout.
func TestSlowHeaders(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	start := time.Now()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\n"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(start.Add(10 * time.Second))
	n, err := conn.Read(make([]byte, 1024))
	elapsed := time.Since(start)

	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatalf("connection still open after %v, want it closed after about 5s", elapsed)
	case n != 0:
		t.Errorf("read %d bytes, want the connection closed without a reply", n)
	case !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET):
		t.Errorf("read: got %v, want EOF", err)
	}
	if elapsed < 4*time.Second || elapsed > 7*time.Second {
		t.Errorf("closed after %v, want about 5s (ReadHeaderTimeout)", elapsed)
	}
}

// TestLogsHoldNoSecrets walks set, get and clear, then checks the log: one
// request line per request, and never the cookie value or the token.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})
	c := newJarClient(t)

	set := do(t, c, "GET", s.URL+"/set-cookie", fromOrigin(allowedOrigin))
	value := oneSetCookie(t, set).value
	token := checkRetrieved(t, do(t, c, "GET", s.URL+"/get-cookie", fromOrigin(allowedOrigin)))
	h := fromOrigin(allowedOrigin, "Authorization", "Bearer "+token)
	do(t, c, "POST", s.URL+"/clear-cookie", h)
	do(t, rawClient, "GET", s.URL+"/get-cookie", cookieHeader("user_token="+value+"x"))

	if _, ok := s.waitLog(t, func(l logLine) bool {
		return l.str("msg") == "request" && l.str("path") == "/get-cookie" &&
			l["status"] == float64(401)
	}); !ok {
		t.Fatalf("no request line for the last request; stderr:\n%s", s.Stderr())
	}
	logs := s.Stderr()
	for name, secret := range map[string]string{"cookie value": value, "token": token} {
		if secret == "" || strings.Contains(logs, secret) {
			t.Errorf("log holds the %s %q:\n%s", name, secret, logs)
		}
	}

	for _, l := range s.logLines() {
		if l.str("msg") != "request" {
			continue
		}
		for _, k := range []string{"method", "path", "status", "duration"} {
			if _, ok := l[k]; !ok {
				t.Errorf("request line %v: got no %s, want one", l, k)
			}
		}
	}
}

// TestShutdownWithOpenConn opens a connection that sends nothing yet, as a
// browser's preconnect does, then sends SIGTERM: the shutdown should still end
// with exit 0.
func TestShutdownWithOpenConn(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})

	// net/http counts a silent connection as idle once it is 5 whole seconds
	// old by the clock's second; dialing early in a second keeps the outcome
	// from depending on where in the second the test happens to run.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 50*time.Millisecond)))
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	exited, took, err := s.Terminate(12 * time.Second)
	switch {
	case !exited:
		t.Fatalf("still running %v after SIGTERM, want a graceful exit", took)
	case err != nil:
		t.Errorf("exit after SIGTERM with an open connection (took %v): got %v, "+
			"want exit status 0; stderr:\n%s", took.Round(time.Millisecond), err, s.Stderr())
	}
}

// TestPostBodyCapped sends bodies around the 1 KiB cap of the POST endpoints.
//
// The client asks for 100-continue, as upload clients do, so that it sends no
// body the server has already refused: with "Connection: close" the server
// would hang up while the body is still being written.
func TestPostBodyCapped(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DisableKeepAlives:     true,
		ExpectContinueTimeout: 5 * time.Second,
	}}

	tests := []struct {
		name, path string
		size       int
		wantStatus int
	}{
		{"set, small body", "/set-cookie", 100, http.StatusOK},
		{"set, 2 KiB body", "/set-cookie", 2 << 10, http.StatusRequestEntityTooLarge},
		{"clear, 64 KiB body", "/clear-cookie", 64 << 10, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", s.URL+tt.path,
				strings.NewReader(strings.Repeat("x", tt.size)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", allowedOrigin)
			req.Header.Set("Expect", "100-continue")
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK && len(res.Cookies()) != 0 {
				t.Errorf("got a cookie with a refused body: %v", res.Cookies())
			}
		})
	}
}
