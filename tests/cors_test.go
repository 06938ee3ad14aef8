package tests

import (
	"maps"
	"net/http"
	"strings"
	"testing"
)

// preflightHeader returns the header of a preflight from origin asking for
// method, with one Access-Control-Request-Headers line per entry of reqHeaders.
func preflightHeader(origin, method string, reqHeaders ...string) http.Header {
	h := fromOrigin(origin, "Access-Control-Request-Method", method)
	for _, v := range reqHeaders {
		h.Add("Access-Control-Request-Headers", v)
	}
	return h
}

// TestPreflightAllowed sends the preflight of the page's POST and checks every
// header of the answer, under three -cors-max-age settings.
func TestPreflightAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantMaxAge string
	}{
		{"default", nil, "600"},
		{"zero", []string{"-cors-max-age", "0"}, "0"},
		{"one hour", []string{"-cors-max-age", "1h"}, "3600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, serverConfig{args: tt.args})
			h := preflightHeader(allowedOrigin, "POST", "content-type")
			r := do(t, rawClient, "OPTIONS", s.URL+"/set-cookie", h)

			if r.status != http.StatusNoContent {
				t.Errorf("status: got %d, want 204", r.status)
			}
			want := map[string]string{
				"Access-Control-Allow-Origin":      allowedOrigin,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "POST",
				"Access-Control-Allow-Headers":     "Content-Type",
				"Access-Control-Max-Age":           tt.wantMaxAge,
			}
			for k, v := range want {
				if got := r.header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s: got %q, want %q", k, got, v)
				}
			}
			for _, v := range []string{"Origin", "Access-Control-Request-Method",
				"Access-Control-Request-Headers"} {
				if !varyHas(r, v) {
					t.Errorf("Vary: got %q, want %s listed", r.header.Values("Vary"), v)
				}
			}
			if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("Set-Cookie on a preflight: got %q, want none", sc)
			}
		})
	}
}

// TestRefusedOrigins sends origins that only look like the allowed one: neither
// a preflight nor a GET gets any CORS header, and the server logs why.
func TestRefusedOrigins(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})

	tests := []struct {
		name       string
		origin     []string // one Origin line per entry
		wantReason string   // part of the logged reason
	}{
		{"suffix host", []string{"http://localhost:8080.evil.test"}, "not in -origins"},
		{"subdomain", []string{"http://evil.localhost:8080"}, "not in -origins"},
		{"https", []string{"https://localhost:8080"}, "not in -origins"},
		{"other port", []string{"http://localhost:8081"}, "not in -origins"},
		{"null", []string{"null"}, "null origin"},
		{"empty", []string{""}, "not in -origins"},
		{"two lines", []string{allowedOrigin, "http://two.test"}, "several Origin headers"},
		{"upper case", []string{"HTTP://LOCALHOST:8080"}, "differs only in case"},
		{"trailing slash", []string{allowedOrigin + "/"}, "not in -origins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pre := preflightHeader("", "POST", "content-type")
			pre["Origin"] = tt.origin
			get := http.Header{"Origin": tt.origin}

			for _, r := range []result{
				do(t, rawClient, "OPTIONS", s.URL+"/set-cookie", pre),
				do(t, rawClient, "GET", s.URL+"/get-cookie", get),
			} {
				if ac := accessControl(r); len(ac) != 0 {
					t.Errorf("got CORS headers %q, want none", ac)
				}
				if !varyHas(r, "Origin") {
					t.Errorf("Vary: got %q, want Origin listed", r.header.Values("Vary"))
				}
			}

			l, ok := s.waitLog(t, func(l logLine) bool {
				return l.str("msg") == "origin refused" && l.str("origin") == tt.origin[0]
			})
			switch {
			case !ok:
				t.Errorf("no \"origin refused\" log line for origin %q", tt.origin[0])
			case l.str("level") != "INFO":
				t.Errorf("level of %v: got %q, want INFO", l, l.str("level"))
			case !strings.Contains(l.str("reason"), tt.wantReason):
				t.Errorf("reason: got %q, want it to contain %q", l.str("reason"), tt.wantReason)
			}
		})
	}
}

// TestPreflightRefused sends preflights from the allowed origin that ask for
// more than the page needs: the answer carries no CORS header, so the browser
// stops there.
func TestPreflightRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})
	huge := strings.Repeat("content-type,", 10<<10/len("content-type,"))

	tests := []struct {
		name        string
		method      string
		reqHeaders  []string // one Access-Control-Request-Headers line per entry
		wantAllowed bool
	}{
		{"POST content-type", "POST", []string{"content-type"}, true},
		{"GET", "GET", nil, true},
		{"split allowed", "POST", []string{"Content-Type", "content-type"}, true},
		{"PUT", "PUT", nil, false},
		{"OPTIONS", "OPTIONS", nil, false},
		{"lower-case get", "get", nil, false},
		{"DELETE", "DELETE", nil, false},
		{"x-custom", "POST", []string{"x-custom"}, false},
		{"split with x-evil", "POST", []string{"content-type", "x-evil"}, false},
		{"huge list", "POST", []string{huge}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := preflightHeader(allowedOrigin, tt.method, tt.reqHeaders...)
			r := do(t, rawClient, "OPTIONS", s.URL+"/set-cookie", h)

			if r.status != http.StatusNoContent {
				t.Errorf("status: got %d, want 204", r.status)
			}
			ac := accessControl(r)
			if !tt.wantAllowed {
				if len(ac) != 0 {
					t.Errorf("got CORS headers %q, want none", ac)
				}
				return
			}
			if got := ac.Get("Access-Control-Allow-Origin"); got != allowedOrigin {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, allowedOrigin)
			}
			if got := ac.Get("Access-Control-Allow-Methods"); got != tt.method {
				t.Errorf("Access-Control-Allow-Methods: got %q, want %q", got, tt.method)
			}
		})
	}
}

// TestPlainOptions sends OPTIONS requests that are not preflights: they reach
// the router, which answers 405 with Allow.
func TestPlainOptions(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})

	tests := []struct {
		name     string
		header   http.Header
		wantCORS bool
	}{
		{"no Origin", http.Header{"Access-Control-Request-Method": {"POST"}}, false},
		{"no request method", fromOrigin(allowedOrigin), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, rawClient, "OPTIONS", s.URL+"/set-cookie", tt.header)
			if r.status != http.StatusMethodNotAllowed {
				t.Fatalf("status: got %d, want 405; body %q", r.status, r.body)
			}
			if got := jsonBody(t, r)["error"]; got != "method_not_allowed" {
				t.Errorf("error: got %q, want method_not_allowed", got)
			}
			if got := strings.Join(r.header.Values("Allow"), ", "); got != "GET, POST" {
				t.Errorf("Allow: got %q, want %q", got, "GET, POST")
			}
			got := r.header.Get("Access-Control-Allow-Origin")
			if want := map[bool]string{true: allowedOrigin}[tt.wantCORS]; got != want {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, want)
			}
		})
	}
}

// TestPrivateNetwork checks Private Network Access preflights: answered only
// with -allow-private-network, and only for the allowed origin.
func TestPrivateNetwork(t *testing.T) {
	t.Parallel()
	plain := startServer(t, serverConfig{})
	pna := startServer(t, serverConfig{args: []string{"-allow-private-network"}})

	tests := []struct {
		name    string
		s       *server
		origin  string
		ask     bool // send Access-Control-Request-Private-Network: true
		wantPNA string
		wantVar bool // Vary lists Access-Control-Request-Private-Network
	}{
		{"flag, allowed origin", pna, allowedOrigin, true, "true", true},
		{"flag, not asked", pna, allowedOrigin, false, "", true},
		{"no flag, allowed origin", plain, allowedOrigin, true, "", false},
		{"flag, refused origin", pna, "http://evil.test", true, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := preflightHeader(tt.origin, "POST", "content-type")
			if tt.ask {
				h.Set("Access-Control-Request-Private-Network", "true")
			}
			r := do(t, rawClient, "OPTIONS", tt.s.URL+"/set-cookie", h)

			got := r.header.Values("Access-Control-Allow-Private-Network")
			if strings.Join(got, ",") != tt.wantPNA {
				t.Errorf("Access-Control-Allow-Private-Network: got %q, want %q", got, tt.wantPNA)
			}
			if v := varyHas(r, "Access-Control-Request-Private-Network"); v != tt.wantVar {
				t.Errorf("Vary %q lists Access-Control-Request-Private-Network: got %v, want %v",
					r.header.Values("Vary"), v, tt.wantVar)
			}
		})
	}
}

// TestCrossOriginProtection sends the state-changing POSTs from other origins:
// they get 403 and no cookie, while the allowed origin and non-browser clients
// pass.
func TestCrossOriginProtection(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})
	const evil = "http://evil.test"
	bodyRefused := map[string]string{"message": "Cross-origin request refused!",
		"error": "cross_origin_refused"}

	tests := []struct {
		name       string
		path       string
		header     http.Header
		wantStatus int
		wantBody   map[string]string
	}{
		{"set from evil", "/set-cookie", fromOrigin(evil), 403, bodyRefused},
		{"clear from evil", "/clear-cookie", fromOrigin(evil), 403, bodyRefused},
		{"set cross-site", "/set-cookie", fromOrigin(evil, "Sec-Fetch-Site", "cross-site"),
			403, bodyRefused},
		{"clear cross-site", "/clear-cookie", fromOrigin(evil, "Sec-Fetch-Site", "cross-site"),
			403, bodyRefused},
		{"set cross-site, no Origin", "/set-cookie",
			http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, bodyRefused},
		{"clear same-site, no Origin", "/clear-cookie",
			http.Header{"Sec-Fetch-Site": {"same-site"}}, 403, bodyRefused},
		{"set cross-site allowed", "/set-cookie",
			fromOrigin(allowedOrigin, "Sec-Fetch-Site", "cross-site"), 200, bodySet},
		{"set same-site allowed", "/set-cookie",
			fromOrigin(allowedOrigin, "Sec-Fetch-Site", "same-site"), 200, bodySet},
		{"clear same-site allowed", "/clear-cookie",
			fromOrigin(allowedOrigin, "Sec-Fetch-Site", "same-site"), 200, bodyCleared},
		{"set from curl", "/set-cookie", http.Header{}, 200, bodySet},
		{"clear from curl", "/clear-cookie", http.Header{}, 200, bodyCleared},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, rawClient, "POST", s.URL+tt.path, tt.header)
			if r.status != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %q", r.status, tt.wantStatus, r.body)
			}
			if got := jsonBody(t, r); !maps.Equal(got, tt.wantBody) {
				t.Errorf("body: got %q, want %q", r.body, tt.wantBody)
			}
			sc := r.header.Values("Set-Cookie")
			if wantCookie := tt.wantStatus == 200; (len(sc) == 1) != wantCookie {
				t.Errorf("Set-Cookie: got %q, want one: %v", sc, wantCookie)
			}
		})
	}
}
