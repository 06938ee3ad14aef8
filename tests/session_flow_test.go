package tests

import (
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corscookie/corscookie/session"
)

// tokenPattern is a token: 32 random bytes in base64url without padding.
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// Bodies the API answers with.
var (
	bodySet     = map[string]string{"message": "Cookie is set!"}
	bodyCleared = map[string]string{"message": "Cookie cleared!"}
	bodyMissing = map[string]string{"message": "No cookie found!", "error": "missing_cookie"}
	bodyInvalid = map[string]string{"message": "Cookie signature is invalid!",
		"error": "invalid_cookie"}
	bodyExpired   = map[string]string{"message": "Cookie has expired!", "error": "expired_cookie"}
	bodyRetrieved = "Cookie retrieved!"
)

// cookieHeader returns a header from the allowed origin carrying a raw Cookie
// line.
func cookieHeader(cookie string) http.Header {
	return fromOrigin(allowedOrigin, "Cookie", cookie)
}

// issue asks s for a fresh cookie with no jar and returns the signed value.
func issue(t *testing.T, s *server) string {
	t.Helper()
	r := do(t, rawClient, http.MethodGet, s.URL+"/set-cookie", fromOrigin(allowedOrigin))
	if r.status != http.StatusOK {
		t.Fatalf("GET /set-cookie: got status %d, want 200; body %q", r.status, r.body)
	}
	return oneSetCookie(t, r).value
}

// readToken sends value as the user_token cookie to /get-cookie and returns the
// token, failing the test unless the answer is 200.
func readToken(t *testing.T, s *server, value string) (string, result) {
	t.Helper()
	r := do(t, rawClient, http.MethodGet, s.URL+"/get-cookie", cookieHeader("user_token="+value))
	if r.status != http.StatusOK {
		t.Fatalf("GET /get-cookie: got status %d, want 200; body %q", r.status, r.body)
	}
	return jsonBody(t, r)["token"], r
}

// checkRetrieved checks a 200 body of /get-cookie and returns its token.
func checkRetrieved(t *testing.T, r result) string {
	t.Helper()
	body := jsonBody(t, r)
	if len(body) != 2 || body["message"] != bodyRetrieved {
		t.Errorf("body: got %q, want message %q and a token only", r.body, bodyRetrieved)
	}
	if !tokenPattern.MatchString(body["token"]) {
		t.Errorf("token: got %q, want 43 base64url characters", body["token"])
	}
	return body["token"]
}

// checkClearing checks that r deletes the token cookie with the same
// attributes.
func checkClearing(t *testing.T, r result) {
	t.Helper()
	c := oneSetCookie(t, r)
	if c.name != "user_token" || c.value != "" {
		t.Errorf("clearing Set-Cookie %q: got %s=%q, want user_token=\"\"", c.raw, c.name, c.value)
	}
	checkCookieAttrs(t, c, "0")
}

// TestSessionFlow walks set, get, set by POST, clear and get with a
// browser-like client, checking bodies, cookie attributes and CORS headers at
// each step.
func TestSessionFlow(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})
	c := newJarClient(t)

	steps := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantBody   map[string]string // nil for a /get-cookie 200, checked by checkRetrieved
		wantCookie string            // "set", "clear" or "" for no Set-Cookie
		wantToken  string            // "new", "same" as the last one, or "" for none
	}{
		{"set", "GET", "/set-cookie", 200, bodySet, "set", ""},
		{"get", "GET", "/get-cookie", 200, nil, "", "new"},
		{"get again", "GET", "/get-cookie", 200, nil, "", "same"},
		{"set by POST", "POST", "/set-cookie", 200, bodySet, "set", ""},
		{"get after POST", "GET", "/get-cookie", 200, nil, "", "new"},
		{"clear", "POST", "/clear-cookie", 200, bodyCleared, "clear", ""},
		{"get after clear", "GET", "/get-cookie", 404, bodyMissing, "", ""},
	}
	var token string
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := do(t, c, st.method, s.URL+st.path, fromOrigin(allowedOrigin))
			if r.status != st.wantStatus {
				t.Fatalf("status: got %d, want %d; body %q", r.status, st.wantStatus, r.body)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if got := r.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type: got %q, want application/json", got)
			}
			checkCORSAllowed(t, r)

			if st.wantBody != nil {
				if got := jsonBody(t, r); !maps.Equal(got, st.wantBody) {
					t.Errorf("body: got %q, want %q", r.body, st.wantBody)
				}
				if want := mustJSON(st.wantBody); r.body != want {
					t.Errorf("raw body: got %q, want %q", r.body, want)
				}
			}
			switch st.wantToken {
			case "new":
				got := checkRetrieved(t, r)
				if got == token {
					t.Errorf("token: got %q again, want a fresh one", got)
				}
				token = got
			case "same":
				if got := checkRetrieved(t, r); got != token {
					t.Errorf("token: got %q, want %q", got, token)
				}
			}

			switch st.wantCookie {
			case "set":
				ck := oneSetCookie(t, r)
				if ck.name != "user_token" || ck.value == "" {
					t.Errorf("Set-Cookie %q: want a user_token with a value", ck.raw)
				}
				checkCookieAttrs(t, ck, "86400")
			case "clear":
				checkClearing(t, r)
			default:
				if got := r.header.Values("Set-Cookie"); len(got) != 0 {
					t.Errorf("Set-Cookie: got %q, want none", got)
				}
			}
		})
	}
}

// mustJSON renders the exact body the API writes for a flat object: keys in the
// order message, error, token, and a final newline from json.Encoder.
func mustJSON(m map[string]string) string {
	var parts []string
	for _, k := range []string{"message", "error", "token"} {
		if v, ok := m[k]; ok {
			parts = append(parts, `"`+k+`":"`+v+`"`)
		}
	}
	return "{" + strings.Join(parts, ",") + "}\n"
}

// TestTamperedCookie sends altered cookie values: each is refused with a
// clearing cookie, never a 500.
func TestTamperedCookie(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})
	other := startServer(t, serverConfig{keysFile: s.keysFile,
		args: []string{"-cookie-name", "other"}})
	good := issue(t, s)
	otherName := do(t, rawClient, "GET", other.URL+"/set-cookie", fromOrigin(allowedOrigin))
	if c := oneSetCookie(t, otherName); c.name != "other" {
		t.Fatalf("cookie name with -cookie-name other: got %q, want other", c.name)
	}

	mid := len(good) / 2
	flipped := good[:mid] + string(flip(good[mid])) + good[mid+1:]
	tests := []struct {
		name       string
		value      string
		wantStatus int
		wantBody   map[string]string
	}{
		{"flipped character", flipped, 401, bodyInvalid},
		{"truncated", good[:len(good)-8], 401, bodyInvalid},
		{"cut in half", good[:mid], 401, bodyInvalid},
		{"not base64", "@@@not-base64@@@", 401, bodyInvalid},
		{"empty", "", 404, bodyMissing},
		{"oversized", strings.Repeat("A", 5000), 401, bodyInvalid},
		{"signed under another name", oneSetCookie(t, otherName).value, 401, bodyInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, rawClient, "GET", s.URL+"/get-cookie", cookieHeader("user_token="+tt.value))
			if r.status != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %q", r.status, tt.wantStatus, r.body)
			}
			if got := jsonBody(t, r); !maps.Equal(got, tt.wantBody) {
				t.Errorf("body: got %q, want %q", r.body, tt.wantBody)
			}
			checkClearing(t, r)
			checkCORSAllowed(t, r)
		})
	}

	t.Run("untouched", func(t *testing.T) {
		t.Parallel()
		_, r := readToken(t, s, good)
		checkRetrieved(t, r)
	})
}

// flip returns a base64url character other than b.
func flip(b byte) byte {
	if b == 'A' {
		return 'B'
	}
	return 'A'
}

// TestExpiredCookie sends a value after its signed lifetime: 401
// expired_cookie.
func TestExpiredCookie(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{args: []string{"-max-age", "1s"}})
	r := do(t, rawClient, "GET", s.URL+"/set-cookie", fromOrigin(allowedOrigin))
	c := oneSetCookie(t, r)
	if got := c.attrs["max-age"]; got != "1" {
		t.Errorf("Max-Age with -max-age 1s: got %q, want 1", got)
	}
	readToken(t, s, c.value)

	time.Sleep(2500 * time.Millisecond)
	r = do(t, rawClient, "GET", s.URL+"/get-cookie", cookieHeader("user_token="+c.value))
	if r.status != http.StatusUnauthorized {
		t.Fatalf("status: got %d, want 401; body %q", r.status, r.body)
	}
	if got := jsonBody(t, r); !maps.Equal(got, bodyExpired) {
		t.Errorf("body: got %q, want %q", r.body, bodyExpired)
	}
	cleared := oneSetCookie(t, r)
	if cleared.value != "" || cleared.attrs["max-age"] != "0" {
		t.Errorf("clearing Set-Cookie: got %q, want an empty value and Max-Age=0", cleared.raw)
	}
}

// TestKeyRotation issues a cookie under key A, reads it under "B,A" (which
// issues it again under B), then checks that B alone accepts the new value and
// not the old one.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	a, b := session.NewKey(), session.NewKey()

	sa := startServer(t, serverConfig{env: []string{"CORSCOOKIE_KEYS=" + a}})
	oldValue := issue(t, sa)
	token, _ := readToken(t, sa, oldValue)
	sa.stop(t)

	sba := startServer(t, serverConfig{env: []string{"CORSCOOKIE_KEYS=" + b + "," + a}})
	got, r := readToken(t, sba, oldValue)
	if got != token {
		t.Errorf("token under B,A: got %q, want %q", got, token)
	}
	reissued := oneSetCookie(t, r)
	checkCookieAttrs(t, reissued, "86400")
	if reissued.value == oldValue || reissued.value == "" {
		t.Fatalf("re-issued value: got %q, want a new non-empty value", reissued.value)
	}
	sba.stop(t)

	sb := startServer(t, serverConfig{env: []string{"CORSCOOKIE_KEYS=" + b}})
	got, r = readToken(t, sb, reissued.value)
	if got != token {
		t.Errorf("token under B: got %q, want %q", got, token)
	}
	if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("Set-Cookie for a current-key value: got %q, want none", sc)
	}

	r = do(t, rawClient, "GET", sb.URL+"/get-cookie", cookieHeader("user_token="+oldValue))
	if r.status != http.StatusUnauthorized {
		t.Fatalf("old value under B: got status %d, want 401; body %q", r.status, r.body)
	}
	if got := jsonBody(t, r); !maps.Equal(got, bodyInvalid) {
		t.Errorf("old value under B: got body %q, want %q", r.body, bodyInvalid)
	}
	checkClearing(t, r)
}

// TestRestartKeepsCookie restarts the server on the same key file: the
// browser's cookie still verifies and carries the same token.
func TestRestartKeepsCookie(t *testing.T) {
	t.Parallel()
	c := newJarClient(t)
	s1 := startServer(t, serverConfig{})
	do(t, c, "GET", s1.URL+"/set-cookie", fromOrigin(allowedOrigin))
	r := do(t, c, "GET", s1.URL+"/get-cookie", fromOrigin(allowedOrigin))
	token := checkRetrieved(t, r)
	s1.stop(t)

	// Cookies ignore ports, so the jar sends the cookie to the new port too.
	s2 := startServer(t, serverConfig{keysFile: s1.keysFile})
	r = do(t, c, "GET", s2.URL+"/get-cookie", fromOrigin(allowedOrigin))
	if r.status != http.StatusOK {
		t.Fatalf("after restart: got status %d, want 200; body %q", r.status, r.body)
	}
	if got := checkRetrieved(t, r); got != token {
		t.Errorf("token after restart: got %q, want %q", got, token)
	}
}

// TestSeveralCookies sends more than one user_token cookie: the first that
// verifies wins.
func TestSeveralCookies(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})
	good := issue(t, s)
	token, _ := readToken(t, s, good)

	tests := []struct {
		name       string
		cookie     string
		wantStatus int
		wantToken  string
	}{
		{"garbage then good", "user_token=garbage; user_token=" + good, 200, token},
		{"good then garbage", "user_token=" + good + "; user_token=garbage", 200, token},
		{"empty then good", "user_token=; user_token=" + good, 200, token},
		{"other cookie then good", "other=x; user_token=" + good, 200, token},
		{"two garbage", "user_token=garbage; user_token=rubbish", 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, rawClient, "GET", s.URL+"/get-cookie", cookieHeader(tt.cookie))
			if r.status != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %q", r.status, tt.wantStatus, r.body)
			}
			if got := jsonBody(t, r)["token"]; got != tt.wantToken {
				t.Errorf("token: got %q, want %q", got, tt.wantToken)
			}
			if tt.wantStatus == 200 {
				if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("Set-Cookie: got %q, want none", sc)
				}
			}
		})
	}
}

// TestErrorResponsesCarryCORS checks that error answers are JSON the page can
// read: CORS headers for the allowed origin, Vary: Origin and, for 405, Allow.
func TestErrorResponsesCarryCORS(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{})

	tests := []struct {
		name       string
		method     string
		path       string
		cookie     string
		wantStatus int
		wantError  string
		wantAllow  string
	}{
		{"unknown path", "GET", "/nope", "", 404, "not_found", ""},
		{"POST get-cookie", "POST", "/get-cookie", "", 405, "method_not_allowed", "GET"},
		{"PUT set-cookie", "PUT", "/set-cookie", "", 405, "method_not_allowed", "GET, POST"},
		{"GET clear-cookie", "GET", "/clear-cookie", "", 405, "method_not_allowed", "POST"},
		{"DELETE healthz", "DELETE", "/healthz", "", 405, "method_not_allowed", "GET"},
		{"no cookie", "GET", "/get-cookie", "", 404, "missing_cookie", ""},
		{"bad cookie", "GET", "/get-cookie", "user_token=bad", 401, "invalid_cookie", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := fromOrigin(allowedOrigin)
			if tt.cookie != "" {
				h.Set("Cookie", tt.cookie)
			}
			r := do(t, rawClient, tt.method, s.URL+tt.path, h)
			if r.status != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %q", r.status, tt.wantStatus, r.body)
			}
			if got := r.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type: got %q, want application/json", got)
			}
			body := jsonBody(t, r)
			if body["error"] != tt.wantError || body["message"] == "" {
				t.Errorf("body: got %q, want error %q and a message", r.body, tt.wantError)
			}
			if got := strings.Join(r.header.Values("Allow"), ", "); got != tt.wantAllow {
				t.Errorf("Allow: got %q, want %q", got, tt.wantAllow)
			}
			checkCORSAllowed(t, r)
		})
	}
}
