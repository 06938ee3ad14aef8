package doctor

import (
	"net/http"
	"strings"
	"testing"
)

// Verdicts used in the tables.
var (
	works      = Verdict{Readable: true, Stored: true, SentBack: true}
	storedNot  = Verdict{Readable: true, Stored: true}
	unreadable = Verdict{Stored: true, SentBack: true}
	dropped    = Verdict{Readable: true}
	blocked    = Verdict{}
)

// hdr builds a header from name, value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// allow returns the CORS headers of a good answer to origin, plus extra pairs.
func allow(origin string, kv ...string) http.Header {
	h := hdr(kv...)
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
	return h
}

// get returns the input of a GET from origin to target whose answer allows
// origin and sets the given cookies.
func get(origin, target string, cookies ...string) Input {
	h := allow(origin)
	for _, c := range cookies {
		h.Add("Set-Cookie", c)
	}
	return Input{Origin: origin, Request: Request{Method: "GET", URL: target},
		Actual: &Response{Status: 200, Header: h}}
}

// with returns in with its actual answer's headers changed by f.
func with(in Input, f func(h http.Header)) Input {
	f(in.Actual.Header)
	return in
}

// put returns the input of a PUT with a JSON body, its preflight answered by
// pre.
func put(origin, target string, pre Response) Input {
	in := get(origin, target, "user_token=t; Path=/; SameSite=Lax")
	in.Request.Method = "PUT"
	in.Request.Header = hdr("Content-Type", "application/json")
	in.Preflight = &pre
	return in
}

const (
	localPage = "http://localhost:8080"
	localAPI  = "http://localhost:5000/get-cookie"
	loopPage  = "http://127.0.0.1:8080"
	appPage   = "https://app.example.com"
	apiURL    = "https://api.example.com/get-cookie"
	otherAPI  = "https://api.example.net/get-cookie"
	lax       = "user_token=t; Path=/; SameSite=Lax; HttpOnly"
)

func TestCheck(t *testing.T) {
	goodPre := Response{Status: 204, Header: allow(localPage,
		"Access-Control-Allow-Methods", "GET, POST, PUT",
		"Access-Control-Allow-Headers", "Content-Type", "Access-Control-Max-Age", "600")}
	tests := []struct {
		name              string
		in                Input
		chromium, firefox Verdict
		ok                bool
		finding           string // a substring of one finding's line
	}{
		{"same-site HTTP Lax", get(localPage, localAPI, lax), works, works, true,
			"PASS cookie user_token: Chromium and Firefox send it back"},
		{"same-site HTTPS Lax Secure", get(appPage, apiURL, lax+"; Secure"), works, works, true,
			"PASS request: cross-origin, same-site"},
		{"Flask tutorial: None without Secure",
			get(localPage, localAPI, "user_token=t; Path=/; SameSite=None"), dropped, dropped,
			false, "FAIL cookie user_token: Chromium and Firefox drop it: SameSite=None " +
				"without Secure. Fix: add -secure and serve HTTPS (or use -samesite lax)."},
		{"* with credentials", with(get(localPage, localAPI, lax), func(h http.Header) {
			h.Set("Access-Control-Allow-Origin", "*")
		}), unreadable, unreadable, false, "Access-Control-Allow-Origin: * is refused"},
		{"no Allow-Credentials", with(get(localPage, localAPI, lax), func(h http.Header) {
			h.Del("Access-Control-Allow-Credentials")
		}), unreadable, unreadable, false, "FAIL response: the script cannot read the " +
			"response: no Access-Control-Allow-Credentials"},
		{"Allow-Credentials True", with(get(localPage, localAPI, lax), func(h http.Header) {
			h.Set("Access-Control-Allow-Credentials", "True")
		}), unreadable, unreadable, false, `Access-Control-Allow-Credentials is "True"`},
		{"origin with trailing slash", with(get(localPage, localAPI, lax), func(h http.Header) {
			h.Set("Access-Control-Allow-Origin", localPage+"/")
		}), unreadable, unreadable, false, "an origin has no trailing slash"},
		{"origin sent twice", with(get(localPage, localAPI, lax), func(h http.Header) {
			h.Add("Access-Control-Allow-Origin", localPage)
		}), unreadable, unreadable, false, "sent 2 times"},
		{"missing Vary", with(get(localPage, localAPI, lax), func(h http.Header) {
			h.Del("Vary")
		}), works, works, true, "WARN response: it echoes the origin without Vary: Origin"},
		{"Lax across sites over HTTP", get(loopPage, localAPI, lax), dropped, dropped, false,
			"Chromium and Firefox drop it: it is SameSite=Lax and set by a cross-site response"},
		{"third party over HTTP, Partitioned", get(loopPage, localAPI,
			"user_token=t; Path=/; SameSite=None; Secure; Partitioned"), works, works, true,
			"in the partition of the page's site http://127.0.0.1"},
		{"third party over HTTP, not Partitioned", get(loopPage, localAPI,
			"user_token=t; Path=/; SameSite=None; Secure"), dropped, works, false,
			"Chromium drops it: it is a third-party cookie"},
		{"third party HTTPS not Partitioned", get(appPage, otherAPI,
			"user_token=t; Path=/; SameSite=None; Secure"), dropped, works, false,
			"Chromium drops it: it is a third-party cookie"},
		{"third party HTTPS Partitioned", get(appPage, otherAPI,
			"user_token=t; Path=/; SameSite=None; Secure; Partitioned"), works, works, true,
			"in the partition of the page's site https://example.com"},
		{"third party HTTPS no SameSite", get(appPage, otherAPI,
			"user_token=t; Path=/; Secure; Partitioned"), dropped, works, false,
			"Chromium drops it: it has no SameSite, which Chromium treats as Lax"},
		{"third party HTTPS Strict", get(appPage, otherAPI,
			"user_token=t; Path=/; SameSite=Strict; Secure; Partitioned"), dropped, dropped,
			false, "Chromium and Firefox drop it: it is SameSite=Strict"},
		{"Secure over plain HTTP on a name", get("http://app.example.com",
			"http://api.example.com/get-cookie", lax+"; Secure"), dropped, dropped, false,
			"it is Secure but set over plain HTTP by api.example.com"},
		{"Secure from http://localhost", get(localPage, localAPI, lax+"; Secure"),
			works, works, true, "Chromium and Firefox store it"},
		{"Secure from loopback", get(loopPage, "http://127.0.0.1:5000/get-cookie",
			lax+"; Secure"), works, works, true, "Chromium and Firefox store it"},
		{"__Host- with Domain", get(appPage, apiURL,
			"__Host-user_token=t; Path=/; Domain=example.com; Secure; SameSite=Lax"),
			dropped, dropped, false, "a __Host- cookie needs Secure, no Domain and Path=/"},
		{"__Host- right", get(appPage, apiURL, "__Host-user_token=t; Path=/; Secure; SameSite=Lax"),
			works, works, true, "PASS cookie __Host-user_token"},
		{"__host- in lower case", get(appPage, apiURL,
			"__host-t=t; Path=/app; Secure; SameSite=Lax"), dropped, dropped, false, "__Host-"},
		{"__Secure- without Secure", get(localPage, localAPI, "__Secure-t=t; Path=/; SameSite=Lax"),
			dropped, dropped, false, "a __Secure- cookie needs Secure"},
		{"4097 bytes", get(localPage, localAPI, "t="+strings.Repeat("v", 4096)+"; Path=/"),
			dropped, dropped, false, "4097 bytes, over the 4096-byte limit"},
		{"4096 bytes", get(localPage, localAPI, "t="+strings.Repeat("v", 4095)+
			"; Path=/; SameSite=Lax"), works, works, true, "PASS cookie t"},
		{"Domain parent", get(appPage, apiURL, lax+"; Secure; Domain=.Example.com"),
			works, works, true, "Chromium and Firefox store it"},
		{"Domain of another site", get(appPage, apiURL, lax+"; Domain=example.org"),
			dropped, dropped, false, "Domain=example.org does not cover api.example.com"},
		{"Domain a public suffix", get(appPage, apiURL, lax+"; Domain=com"),
			dropped, dropped, false, "Domain=com is a public suffix"},
		{"Domain a private suffix", get("https://a.github.io", "https://b.github.io/x",
			"t=1; Path=/; SameSite=None; Secure; Partitioned; Domain=github.io"),
			dropped, dropped, false, "Domain=github.io is a public suffix"},
		{"Path elsewhere", get(localPage, localAPI, "user_token=t; Path=/admin; SameSite=Lax"),
			storedNot, storedNot, false, "its Path /admin does not cover /get-cookie"},
		{"Partitioned without Secure", get(localPage, localAPI, lax+"; Partitioned"),
			dropped, dropped, false, "it is Partitioned without Secure"},
		{"no SameSite same-site", get(localPage, localAPI, "user_token=t; Path=/"),
			works, works, true, "WARN cookie user_token: it has no valid SameSite"},
		{"malformed", get(localPage, localAPI, "no equals sign; Path=/"), dropped, dropped,
			false, "the Set-Cookie line does not parse"},
		{"expired", get(localPage, localAPI, lax+"; Max-Age=0"), dropped, dropped, true,
			"WARN cookie user_token: it is expired on arrival"},
		{"expired by date", get(localPage, localAPI, lax+"; Expires=Thu, 01 Jan 1970 "+
			"00:00:00 GMT"), dropped, dropped, true, "it is expired on arrival"},
		{"no cookie", get(localPage, localAPI), dropped, dropped, true,
			"WARN cookies: no response sets a cookie"},
		{"HTTP page, HTTPS API of its domain", get("http://example.com",
			"https://api.example.com/x", "t=1; Path=/; SameSite=None; Secure"), dropped, works,
			false, "Chromium drops it: it is a third-party cookie"},
		{"HTTP page, HTTPS API of its domain, Lax", get("http://example.com",
			"https://api.example.com/x", lax), dropped, works, false,
			"Chromium drops it: it is SameSite=Lax and set by a cross-site response"},
		{"mixed content", get(appPage, "http://api.example.com/x", lax), blocked, blocked,
			false, "FAIL request: browsers block it as mixed content"},
		{"same origin", with(get(localPage, localPage+"/x", lax), func(h http.Header) {
			h.Del("Access-Control-Allow-Origin")
		}), works, works, true, "PASS request: same origin"},
		{"preflight passes", put(localPage, localAPI, goodPre), works, works, true,
			"PASS preflight: allowed: status 204, origin, credentials, method and headers; " +
				"cached 600 s"},
		{"preflight 405", put(localPage, localAPI, Response{Status: 405,
			Header: goodPre.Header}), blocked, blocked, false,
			"FAIL preflight: browsers refuse the preflight: its status 405 is not 2xx"},
		{"preflight redirect", put(localPage, localAPI, Response{Status: 301,
			Header: hdr("Location", "/x")}), blocked, blocked, false,
			"browsers never follow a preflight's redirect"},
		{"preflight refuses header", put(localPage, localAPI, Response{Status: 204,
			Header: allow(localPage, "Access-Control-Allow-Methods", "PUT",
				"Access-Control-Allow-Headers", "X-Token")}), blocked, blocked, false,
			`Access-Control-Allow-Headers ("x-token") lacks content-type`},
		{"preflight header *", put(localPage, localAPI, Response{Status: 204,
			Header: allow(localPage, "Access-Control-Allow-Methods", "PUT",
				"Access-Control-Allow-Headers", "*")}), blocked, blocked, false,
			"* does not count with credentials"},
		{"preflight lacks method", put(localPage, localAPI, Response{Status: 204,
			Header: allow(localPage, "Access-Control-Allow-Headers", "content-type",
				"Access-Control-Allow-Methods", "GET, POST")}), blocked, blocked, false,
			`Access-Control-Allow-Methods ("GET", "POST") lacks PUT`},
		{"preflight method *", put(localPage, localAPI, Response{Status: 204,
			Header: allow(localPage, "Access-Control-Allow-Headers", "content-type",
				"Access-Control-Allow-Methods", "*")}), blocked, blocked, false,
			"Access-Control-Allow-Methods: * does not count with credentials"},
		{"preflight long Max-Age", put(localPage, localAPI, Response{Status: 204,
			Header: allow(localPage, "Access-Control-Allow-Headers", "content-type",
				"Access-Control-Allow-Methods", "PUT", "Access-Control-Max-Age", "86400")}),
			works, works, true, "WARN preflight: Access-Control-Max-Age 86400 s is cut to 7200 s"},
		{"preflight bad Max-Age", put(localPage, localAPI, Response{Status: 204,
			Header: allow(localPage, "Access-Control-Allow-Headers", "content-type",
				"Access-Control-Allow-Methods", "PUT", "Access-Control-Max-Age", "1h")}),
			works, works, true, `browsers ignore Access-Control-Max-Age "1h"`},
		{"preflight *", put(localPage, localAPI, Response{Status: 204,
			Header: hdr("Access-Control-Allow-Origin", "*", "Access-Control-Allow-Methods", "*",
				"Access-Control-Allow-Headers", "*")}), blocked, blocked, false,
			"FAIL response: browsers never send the request, since the preflight failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Check(tt.in)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			lines := findingLines(r)
			if r.Chromium != tt.chromium {
				t.Errorf("Chromium: got %+v, want %+v\n%s", r.Chromium, tt.chromium, lines)
			}
			if r.Firefox != tt.firefox {
				t.Errorf("Firefox: got %+v, want %+v\n%s", r.Firefox, tt.firefox, lines)
			}
			if r.OK() != tt.ok {
				t.Errorf("OK: got %t, want %t\n%s", r.OK(), tt.ok, lines)
			}
			if !strings.Contains(lines, tt.finding) {
				t.Errorf("findings: got\n%s\nwant a line with %q", lines, tt.finding)
			}
		})
	}
}

// findingLines joins the report's findings, one a line.
func findingLines(r *Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}
