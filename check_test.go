package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corscookie/corscookie/doctor"
)

// answer returns a handler that answers every request with status and the
// header pairs, in which {origin} stands for the request's Origin.
func answer(status int, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Add(kv[i], strings.ReplaceAll(kv[i+1], "{origin}", r.Header.Get("Origin")))
		}
		w.WriteHeader(status)
	}
}

// allowed returns the header pairs of a good CORS answer, followed by more.
func allowed(kv ...string) []string {
	return append([]string{"Access-Control-Allow-Origin", "{origin}",
		"Access-Control-Allow-Credentials", "true", "Vary", "Origin"}, kv...)
}

// preflighted answers preflights with pre and other requests with h.
func preflighted(pre, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			pre(w, r)
			return
		}
		h(w, r)
	}
}

// onLocalhost returns srv's URL with the host localhost, and path.
func onLocalhost(srv *httptest.Server, path string) string {
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + path
}

// runCheckOn runs corscookie check with args, in which {api} stands for the
// server's URL on localhost, and returns the exit code and what it printed.
func runCheckOn(t *testing.T, h http.Handler, args ...string) (int, string, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "{api}", onLocalhost(srv, ""))
	}
	var stdout, stderr bytes.Buffer
	code := runCheck(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestRunCheck(t *testing.T) {
	const page = "http://localhost:8080"
	lax := "user_token=t; Path=/; SameSite=Lax; HttpOnly"
	corscookie, _ := newTestRouter(t, 10*time.Minute)
	tests := []struct {
		name string
		h    http.Handler
		args []string
		code int
		want string // a substring of stdout
	}{
		{"corscookie", corscookie, []string{"-origin", page, "-set", "{api}/set-cookie",
			"{api}/get-cookie"}, 0, "Works in Chromium and Firefox."},
		{"corscookie JSON POST", corscookie, []string{"-origin", page, "-method", "post",
			"-header", "Content-Type: application/json", "{api}/set-cookie"}, 0,
			"PASS preflight: allowed: status 204"},
		{"flags after the URL", answer(200, allowed("Set-Cookie", lax)...),
			[]string{"{api}/get-cookie", "-origin", page}, 0,
			"Chromium: readable yes, stored yes, sent back yes"},
		{"Flask tutorial", answer(200, allowed(
			"Set-Cookie", "user_token=abc; Path=/; SameSite=None")...),
			[]string{"-origin", page, "-set", "{api}/set-cookie", "{api}/get-cookie"}, 1,
			"FAIL cookie user_token: Chromium and Firefox drop it: SameSite=None without " +
				"Secure. Fix: add -secure and serve HTTPS (or use -samesite lax)."},
		{"* with credentials", answer(200, "Access-Control-Allow-Origin", "*",
			"Access-Control-Allow-Credentials", "true", "Set-Cookie", lax),
			[]string{"-origin", page, "{api}/x"}, 1,
			"Access-Control-Allow-Origin: * is refused with credentials"},
		{"no Allow-Credentials", answer(200, "Access-Control-Allow-Origin", "{origin}",
			"Vary", "Origin", "Set-Cookie", lax), []string{"-origin", page, "{api}/x"}, 1,
			"Chromium: readable no, stored yes, sent back yes"},
		{"Lax across sites", answer(200, allowed("Set-Cookie", lax)...),
			[]string{"-origin", "http://127.0.0.1:8080", "{api}/x"}, 1,
			"it is SameSite=Lax and set by a cross-site response"},
		{"missing Vary", answer(200, "Access-Control-Allow-Origin", "{origin}",
			"Access-Control-Allow-Credentials", "true", "Set-Cookie", lax),
			[]string{"-origin", page, "{api}/x"}, 0, "WARN response: it echoes the origin " +
				"without Vary: Origin"},
		{"preflight 405", preflighted(answer(405), answer(200, allowed()...)),
			[]string{"-origin", page, "-method", "DELETE", "{api}/x"}, 1,
			"its status 405 is not 2xx"},
		{"refused header", preflighted(answer(204, allowed("Access-Control-Allow-Headers",
			"Content-Type")...), answer(200, allowed("Set-Cookie", lax)...)),
			[]string{"-origin", page, "-header", "X-Token: 1", "{api}/x"}, 1,
			`lacks x-token`},
		{"oversized cookie", answer(200, allowed("Set-Cookie",
			"user_token="+strings.Repeat("v", 4100))...),
			[]string{"-origin", page, "{api}/x"}, 1, "over the 4096-byte limit"},
		{"__Host- with Domain", answer(200, allowed("Set-Cookie",
			"__Host-user_token=t; Path=/; Domain=localhost; Secure; SameSite=Lax")...),
			[]string{"-origin", page, "{api}/x"}, 1, "a __Host- cookie needs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCheckOn(t, tt.h, tt.args...)
			if code != tt.code {
				t.Errorf("exit code: got %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.want) {
				t.Errorf("stdout: got\n%s\nwant a line with %q", stdout, tt.want)
			}
		})
	}
}

func TestRunCheckRefusesInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no origin", []string{"http://localhost:5000/"}},
		{"no URL", []string{"-origin", "http://localhost:8080"}},
		{"two URLs", []string{"-origin", "http://localhost:8080", "http://a/", "http://b/"}},
		{"origin with path", []string{"-origin", "http://localhost:8080/app", "http://a/"}},
		{"relative URL", []string{"-origin", "http://localhost:8080", "/get-cookie"}},
		{"bad header", []string{"-origin", "http://localhost:8080", "-header", "X", "http://a/"}},
		{"Cookie header", []string{"-origin", "http://localhost:8080", "-header", "Cookie: a=b",
			"http://a/"}},
		{"TRACE", []string{"-origin", "http://localhost:8080", "-method", "TRACE", "http://a/"}},
		{"bad -set", []string{"-origin", "http://localhost:8080", "-set", "x", "http://a/"}},
		{"unknown flag", []string{"-nope", "http://a/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := runCheck(context.Background(), tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit code: got %d, want 2\n%s", code, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: got %q, want nothing", stdout.String())
			}
		})
	}
}

// TestRunCheckSends checks what the server receives: the preflight's headers,
// and the cookie from -set on the request.
func TestRunCheckSends(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	h := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for _, name := range []string{"Origin", "Access-Control-Request-Method",
			"Access-Control-Request-Headers", "Cookie", "Sec-Fetch-Site"} {
			got[r.Method+" "+r.URL.Path+" "+name] = r.Header.Get(name)
		}
		mu.Unlock()
		answer(200, allowed("Access-Control-Allow-Methods", "PUT",
			"Access-Control-Allow-Headers", "content-type, x-token",
			"Set-Cookie", "user_token=t; Path=/; SameSite=Lax")...)(w, r)
	}
	code, stdout, _ := runCheckOn(t, http.HandlerFunc(h), "-origin", "http://localhost:8080",
		"-method", "put", "-header", "X-Token: 1", "-header", "Content-Type: application/json",
		"-set", "{api}/set", "{api}/get")
	if code != 0 {
		t.Errorf("exit code: got %d, want 0\n%s", code, stdout)
	}
	want := map[string]string{
		"GET /set Origin":                             "http://localhost:8080",
		"GET /set Sec-Fetch-Site":                     "same-site",
		"OPTIONS /get Access-Control-Request-Method":  "PUT",
		"OPTIONS /get Access-Control-Request-Headers": "content-type,x-token",
		"OPTIONS /get Cookie":                         "",
		"PUT /get Cookie":                             "user_token=t",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
}

func TestRunCheckJSON(t *testing.T) {
	h := answer(200, allowed("Set-Cookie", "user_token=t; Path=/; SameSite=None")...)
	code, stdout, _ := runCheckOn(t, h, "-json", "-origin", "http://localhost:8080", "{api}/x")
	var r doctor.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if code != 1 || r.Chromium.Stored || r.Firefox.Stored || !r.Firefox.Readable {
		t.Errorf("got exit %d, %+v and %+v, want 1 and readable, not stored", code,
			r.Chromium, r.Firefox)
	}
	if !strings.Contains(stdout, `"level": "FAIL"`) {
		t.Errorf("got\n%s\nwant levels as words", stdout)
	}
}

func TestRunCheckTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(answer(200, allowed("Set-Cookie",
		"__Host-user_token=t; Path=/; Secure; SameSite=Lax")...))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	page := "https://127.0.0.1:8443"
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"self-signed refused", []string{"-origin", page, srv.URL + "/x"}, 1},
		{"-insecure", []string{"-insecure", "-origin", page, srv.URL + "/x"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runCheck(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code: got %d, want %d\n%s%s", code, tt.code, stdout.String(),
					stderr.String())
			}
		})
	}
}

func TestRunCheckUnreachable(t *testing.T) {
	srv := httptest.NewServer(answer(200))
	url := srv.URL
	srv.Close()
	var stdout, stderr bytes.Buffer
	code := runCheck(context.Background(), []string{"-origin", "http://localhost:8080", url},
		&stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "corscookie check:") {
		t.Errorf("got %d and %q, want 1 and an error", code, stderr.String())
	}
}

func TestCheckResolve(t *testing.T) {
	tests := []struct {
		in, key, want string
		wantErr       bool
	}{
		{"api.test:443:127.0.0.1", "api.test:443", "127.0.0.1:443", false},
		{"api.test:8443:[::1]", "api.test:8443", "[::1]:8443", false},
		{"api.test:443", "", "", true},
		{"api.test::127.0.0.1", "", "", true},
		{":443:127.0.0.1", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f := &checkFlags{resolve: map[string]string{}}
			err := f.addResolve(tt.in)
			if (err != nil) != tt.wantErr || f.resolve[tt.key] != tt.want {
				t.Errorf("got %q, %v, want %q (error %v)", f.resolve[tt.key], err, tt.want,
					tt.wantErr)
			}
		})
	}
}
