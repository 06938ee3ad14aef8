package doctor

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCheckSet(t *testing.T) {
	setAt := func(url string, cookies ...string) *Exchange {
		h := allow(localPage)
		for _, c := range cookies {
			h.Add("Set-Cookie", c)
		}
		return &Exchange{URL: url, Response: Response{Status: 200, Header: h}}
	}
	tests := []struct {
		name, origin      string
		target            string
		set               *Exchange
		chromium, firefox Verdict
		finding           string
	}{
		{"set then get", localPage, localAPI, setAt("http://localhost:5000/set-cookie", lax),
			works, works, "PASS set: the script may read the response"},
		{"default path", localPage, localAPI,
			setAt("http://localhost:5000/api/set", "t=1; SameSite=Lax"),
			storedNot, storedNot, "it has no Path, so it defaults to /api"},
		{"other host", localPage, "http://127.0.0.1:5000/get-cookie",
			setAt("http://localhost:5000/set-cookie", lax), storedNot, storedNot,
			"it belongs to localhost only, and the request goes to 127.0.0.1"},
		{"Secure sent to plain HTTP", "http://www.example.com", "http://app.example.com:5000/get",
			setAt("https://app.example.com/set",
				"t=1; Path=/; SameSite=None; Secure; Partitioned"),
			storedNot, storedNot,
			"it is Secure and the request is plain HTTP"},
		{"set answer unreadable", localPage, localAPI, &Exchange{URL: localAPI, Response: Response{
			Status: 200, Header: hdr("Set-Cookie", lax)}}, works, works,
			"WARN set: the script cannot read the response: no Access-Control-Allow-Origin"},
		{"set sets nothing", localPage, localAPI, setAt("http://localhost:5000/set-cookie"),
			dropped, dropped, "FAIL set: the response sets no cookie"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := get(tt.origin, tt.target)
			in.Set = tt.set
			r, err := Check(in)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			lines := findingLines(r)
			if r.Chromium != tt.chromium || r.Firefox != tt.firefox {
				t.Errorf("got %+v and %+v, want %+v and %+v\n%s", r.Chromium, r.Firefox,
					tt.chromium, tt.firefox, lines)
			}
			if !strings.Contains(lines, tt.finding) {
				t.Errorf("findings: got\n%s\nwant a line with %q", lines, tt.finding)
			}
		})
	}
}

func TestCheckRefusesInput(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want error
	}{
		{"origin with path", get("http://localhost:8080/app", localAPI), ErrOrigin},
		{"origin without scheme", get("localhost:8080", localAPI), ErrOrigin},
		{"relative URL", get(localPage, "/get-cookie"), ErrURL},
		{"ftp URL", get(localPage, "ftp://localhost/x"), ErrURL},
		{"TRACE", Input{Origin: localPage, Request: Request{Method: "trace", URL: localAPI}},
			ErrMethod},
		{"Cookie header", Input{Origin: localPage, Request: Request{Method: "GET",
			URL: localAPI, Header: hdr("Cookie", "a=b")}}, ErrHeader},
		{"Sec- header", Input{Origin: localPage, Request: Request{Method: "GET",
			URL: localAPI, Header: hdr("Sec-Fetch-Site", "none")}}, ErrHeader},
		{"PUT without preflight", Input{Origin: localPage,
			Request: Request{Method: "PUT", URL: localAPI}}, ErrNoPreflight},
		{"bad set URL", Input{Origin: localPage, Request: Request{Method: "GET", URL: localAPI},
			Set: &Exchange{URL: "set-cookie"}}, ErrURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNeedsPreflight(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		header  http.Header
		want    bool
		headers string
	}{
		{"GET", "GET", nil, false, ""},
		{"lower-case post", "post", nil, false, ""},
		{"HEAD", "HEAD", nil, false, ""},
		{"PUT", "PUT", nil, true, ""},
		{"patch stays lower case", "patch", nil, true, ""},
		{"form", "POST", hdr("Content-Type", "application/x-www-form-urlencoded"), false, ""},
		{"text with charset", "POST", hdr("Content-Type", "text/plain; charset=utf-8"), false, ""},
		{"JSON", "POST", hdr("Content-Type", "application/json"), true, "content-type"},
		{"Accept", "GET", hdr("Accept", "application/json"), false, ""},
		{"Accept with unsafe byte", "GET", hdr("Accept", "a(b)"), true, "accept"},
		{"long Accept", "GET", hdr("Accept", strings.Repeat("a", 129)), true, "accept"},
		{"Accept-Language", "GET", hdr("Accept-Language", "en-GB,en;q=0.9"), false, ""},
		{"Content-Language with slash", "GET", hdr("Content-Language", "en/x"), true,
			"content-language"},
		{"custom headers sorted", "GET", hdr("X-Token", "1", "Authorization", "Bearer x",
			"x-b", "1"), true, "authorization,x-b,x-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsPreflight(tt.method, tt.header); got != tt.want {
				t.Errorf("NeedsPreflight: got %t, want %t", got, tt.want)
			}
			if got := PreflightHeaders(tt.header); got != tt.headers {
				t.Errorf("PreflightHeaders: got %q, want %q", got, tt.headers)
			}
		})
	}
}

func TestNormalizeMethod(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"get", "GET", nil},
		{"Delete", "DELETE", nil},
		{"patch", "patch", nil},
		{"PATCH", "PATCH", nil},
		{"connect", "", ErrMethod},
		{"TRACK", "", ErrMethod},
		{"GE T", "", ErrMethod},
		{"", "", ErrMethod},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeMethod(tt.in)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("got %q, %v, want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestFetchSite(t *testing.T) {
	tests := []struct {
		origin, target, want string
	}{
		{"http://localhost:8080", "http://localhost:8080/x", "same-origin"},
		{"http://localhost:8080", "http://localhost:5000/x", "same-site"},
		{"http://127.0.0.1:8080", "http://localhost:5000/x", "cross-site"},
		{"https://app.example.com", "https://api.example.com/x", "same-site"},
		{"https://app.example.com", "http://api.example.com/x", "cross-site"},
		{"https://a.example.co.uk", "https://b.example.co.uk/", "same-site"},
		{"https://a.github.io", "https://b.github.io/", "cross-site"},
		{"https://example.com", "https://example.com:443/", "same-origin"},
		{"https://[::1]:8080", "https://[::1]:5000/", "same-site"},
	}
	for _, tt := range tests {
		t.Run(tt.origin+" "+tt.target, func(t *testing.T) {
			if got := FetchSite(tt.origin, tt.target); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCookiePaths(t *testing.T) {
	tests := []struct {
		reqPath, cookiePath string
		want                bool
	}{
		{"/get-cookie", "/", true},
		{"", "/", true},
		{"/api/x", "/api", true},
		{"/api", "/api", true},
		{"/apix", "/api", false},
		{"/api/x", "/api/", true},
		{"/get-cookie", "/admin", false},
	}
	for _, tt := range tests {
		t.Run(tt.reqPath+" "+tt.cookiePath, func(t *testing.T) {
			if got := pathMatch(tt.reqPath, tt.cookiePath); got != tt.want {
				t.Errorf("pathMatch: got %t, want %t", got, tt.want)
			}
		})
	}
	for path, want := range map[string]string{"": "/", "/": "/", "/set": "/",
		"/api/set": "/api", "/a/b/": "/a/b"} {
		t.Run("default "+path, func(t *testing.T) {
			if got := defaultPath(path); got != want {
				t.Errorf("defaultPath: got %q, want %q", got, want)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	in := get(localPage, localAPI, "user_token=secret-value; Path=/; SameSite=None")
	in.Now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r, err := Check(in)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Findings[len(r.Findings)-1]
	b, err := f.Level.MarshalText()
	if err != nil || string(b) != "FAIL" {
		t.Errorf("got %q, %v, want FAIL", b, err)
	}
	if lines := findingLines(r); strings.Contains(lines, "secret-value") {
		t.Errorf("findings hold the cookie value:\n%s", lines)
	}
}

func TestCheckUnsentAfterFailedPreflight(t *testing.T) {
	in := put(localPage, localAPI, Response{Status: 405})
	in.Actual = nil
	in.Set = &Exchange{URL: "http://localhost:5000/set-cookie", Response: Response{Status: 200,
		Header: allow(localPage, "Set-Cookie", "user_token=t; Path=/; SameSite=Lax")}}

	r, err := Check(in)
	if err != nil {
		t.Fatal(err)
	}
	want := Verdict{Stored: true}
	if r.Chromium != want || r.Firefox != want {
		t.Errorf("got %+v and %+v, want %+v in both", r.Chromium, r.Firefox, want)
	}
	if !strings.Contains(findingLines(r), "the request is never sent") {
		t.Errorf("no finding says why the cookie is not sent:\n%s", findingLines(r))
	}
}
