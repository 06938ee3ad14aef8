package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corscookie/corscookie/session"
)

const testOrigin = "http://localhost:8080"

// newTestRouter returns the API handler with one test key and the default
// policy, and the buffer its log goes to.
func newTestRouter(tb testing.TB, corsMaxAge time.Duration) (http.Handler, *bytes.Buffer) {
	tb.Helper()
	var logs bytes.Buffer
	return newLoggingRouter(tb, corsMaxAge, &logs), &logs
}

// newLoggingRouter returns the API handler logging to w.
func newLoggingRouter(tb testing.TB, corsMaxAge time.Duration, w io.Writer) http.Handler {
	tb.Helper()
	sessions, err := session.New(session.Policy{},
		[]session.Key{{Hash: []byte(strings.Repeat("k", 32))}})
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(w, nil))
	cp := newCORSPolicy([]string{testOrigin}, corsMaxAge, false, log)
	return newRouter(sessions, cp, nil, log)
}

// serve sends one request through h.
func serve(h http.Handler, method, path string, header http.Header) *http.Response {
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}

// body decodes a JSON response body.
func body(t *testing.T, res *http.Response) response {
	t.Helper()
	var got response
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	return got
}

func TestRoutes(t *testing.T) {
	h, _ := newTestRouter(t, 10*time.Minute)
	origin := http.Header{"Origin": {testOrigin}}

	tests := []struct {
		method, path string
		status       int
		code         string
		allow        string
	}{
		{"GET", "/set-cookie", 200, "", ""},
		{"POST", "/set-cookie", 200, "", ""},
		{"GET", "/get-cookie", 404, "missing_cookie", ""},
		{"POST", "/clear-cookie", 200, "", ""},
		{"GET", "/clear-cookie", 405, "method_not_allowed", "POST"},
		{"DELETE", "/get-cookie", 405, "method_not_allowed", "GET"},
		{"GET", "/nowhere", 404, "not_found", ""},
		{"OPTIONS", "/get-cookie", 405, "method_not_allowed", "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := serve(h, tt.method, tt.path, origin)
			got := body(t, res)
			if res.StatusCode != tt.status || got.Error != tt.code {
				t.Errorf("got %d %q, want %d %q",
					res.StatusCode, got.Error, tt.status, tt.code)
			}
			if allow := strings.Join(res.Header.Values("Allow"), ","); allow != tt.allow {
				t.Errorf("Allow: got %q, want %q", allow, tt.allow)
			}
			checkCORS(t, res)
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", cc)
			}
		})
	}
}

// checkCORS wants the headers of an allowed origin on res.
func checkCORS(t *testing.T, res *http.Response) {
	t.Helper()
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != testOrigin {
		t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, testOrigin)
	}
	if got := res.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("Access-Control-Allow-Credentials: got %q, want true", got)
	}
	if got := res.Header.Values("Vary"); len(got) == 0 || got[0] != "Origin" {
		t.Errorf("Vary: got %q, want Origin first", got)
	}
}

func TestPanicAnswersJSONWithCORS(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cp := newCORSPolicy([]string{testOrigin}, 0, false, log)
	a := &api{log: log}
	h := cp.Handler(a.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	})))

	res := serve(h, "GET", "/", http.Header{"Origin": {testOrigin}})
	if got := body(t, res); res.StatusCode != 500 || got.Error != "internal" {
		t.Errorf("got %d %q, want 500 internal", res.StatusCode, got.Error)
	}
	checkCORS(t, res)
	if !strings.Contains(logs.String(), "panic=boom") {
		t.Errorf("log has no panic line: %s", &logs)
	}
}

func TestPreflightMaxAge(t *testing.T) {
	tests := []struct {
		maxAge time.Duration
		want   string
	}{
		{0, "0"},
		{time.Second, "1"},
		{10 * time.Minute, "600"},
		{24 * time.Hour, "86400"},
	}
	for _, tt := range tests {
		t.Run(tt.maxAge.String(), func(t *testing.T) {
			h, _ := newTestRouter(t, tt.maxAge)
			res := serve(h, "OPTIONS", "/set-cookie", http.Header{
				"Origin":                        {testOrigin},
				"Access-Control-Request-Method": {"POST"},
			})
			got := res.Header.Values("Access-Control-Max-Age")
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogsNoSecrets(t *testing.T) {
	h, logs := newTestRouter(t, 0)
	res := serve(h, "GET", "/set-cookie", nil)
	cookie := res.Cookies()[0]

	res = serve(h, "GET", "/get-cookie", http.Header{"Cookie": {cookie.String()}})
	token := body(t, res).Token
	if token == "" {
		t.Fatal("no token")
	}
	for _, secret := range []string{cookie.Value, token, strings.Repeat("k", 32)} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log holds a secret: %s", logs)
		}
	}
	if !strings.Contains(logs.String(), "path=/get-cookie status=200") {
		t.Errorf("log has no request line: %s", logs)
	}
}

func FuzzRouter(f *testing.F) {
	h, _ := newTestRouter(f, 10*time.Minute)
	f.Add("GET", "/get-cookie", testOrigin, "user_token=abc", "")
	f.Add("OPTIONS", "/set-cookie", testOrigin, "", "content-type")
	f.Add("OPTIONS", "/set-cookie", "HTTP://LOCALHOST:8080", "", "x-evil, content-type")
	f.Add("POST", "/clear-cookie", "null", "user_token=", "")
	f.Add("PUT", "/%2e%2e/", "http://localhost:8080/", "a=b; user_token=x", ",,,")

	f.Fuzz(func(t *testing.T, method, path, origin, cookie, acrh string) {
		r, err := http.NewRequest(method, "http://api.test"+path, nil)
		if err != nil || r.URL.Path == "" {
			t.Skip()
		}
		r.Header.Set("Origin", origin)
		r.Header.Set("Cookie", cookie)
		r.Header.Set("Access-Control-Request-Headers", acrh)
		if method == "OPTIONS" {
			r.Header.Set("Access-Control-Request-Method", "POST")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)

		if rec.Code >= 500 {
			t.Errorf("got %d for %s %s", rec.Code, method, path)
		}
		acao := rec.Header().Get("Access-Control-Allow-Origin")
		if acao != "" && origin != testOrigin {
			t.Errorf("origin %q: got Access-Control-Allow-Origin %q, "+
				"want none", origin, acao)
		}
		io.Copy(io.Discard, rec.Body)
	})
}

func TestScheme(t *testing.T) {
	proxies, err := parseProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	a := &api{proxies: proxies}

	tests := []struct {
		name, remote, proto string
		want                string
	}{
		{"no header", "127.0.0.1:4000", "", "http"},
		{"trusted proxy", "127.0.0.1:4000", "https", "https"},
		{"trusted prefix", "10.1.2.3:4000", "https", "https"},
		{"IPv4 in IPv6", "[::ffff:127.0.0.1]:4000", "https", "https"},
		{"untrusted client", "192.0.2.7:4000", "https", "http"},
		{"trusted proxy says http", "127.0.0.1:4000", "http", "http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			if got := a.scheme(r); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}

	r := httptest.NewRequest("GET", "https://api.test/", nil)
	if got := (&api{}).scheme(r); got != "https" {
		t.Errorf("TLS request: got %s, want https", got)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost:5000": true, "api.localhost": true,
		"127.0.0.1:5000": true, "[::1]:5000": true,
		"example.test": false, "10.0.0.1:5000": false,
		"localhost.example.test": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q): got %v, want %v", host, got, want)
		}
	}
}
