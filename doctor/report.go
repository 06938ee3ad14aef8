package doctor

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Level is how bad a [Finding] is.
type Level int

// Levels of a finding. A Fail means the setup does not work in at least one
// browser.
const (
	Pass Level = iota
	Warn
	Fail
)

// String returns "PASS", "WARN" or "FAIL".
func (l Level) String() string {
	switch l {
	case Pass:
		return "PASS"
	case Warn:
		return "WARN"
	}
	return "FAIL"
}

// MarshalText writes the level as [Level.String] does, for JSON output.
func (l Level) MarshalText() ([]byte, error) {
	return []byte(l.String()), nil
}

// UnmarshalText reads a level written by [Level.MarshalText].
func (l *Level) UnmarshalText(b []byte) error {
	for _, level := range []Level{Pass, Warn, Fail} {
		if string(b) == level.String() {
			*l = level
			return nil
		}
	}
	return fmt.Errorf("%w: %q", ErrLevel, b)
}

// Finding is the outcome of one rule.
type Finding struct {
	// Level is Pass, Warn or Fail.
	Level Level `json:"level"`

	// Step is where the rule applies: "request", "preflight", "response", "set"
	// or "cookie NAME".
	Step string `json:"step"`

	// Says is what the browsers will do, and why.
	Says string `json:"says"`

	// Fix is the change that makes the rule pass, in one sentence, or "" for a
	// Pass.
	Fix string `json:"fix,omitempty"`
}

// String formats f as one line: "FAIL step: says. Fix: fix."
func (f Finding) String() string {
	s := fmt.Sprintf("%s %s: %s.", f.Level, f.Step, f.Says)
	if f.Fix != "" {
		s += " Fix: " + f.Fix + "."
	}
	return s
}

// Verdict is what one browser does with the request and its cookies.
type Verdict struct {
	// Readable reports whether the script may read the response.
	Readable bool `json:"readable"`

	// Stored reports whether every cookie the responses set is stored. It is
	// false when no response sets a cookie. Cookies that a response deletes do
	// not count.
	Stored bool `json:"stored"`

	// SentBack reports whether every stored cookie is sent on the next
	// credentialed request from this page to the checked URL.
	SentBack bool `json:"sent_back"`
}

// Report is the outcome of [Check].
type Report struct {
	// Findings holds one line per rule, in the order the browser applies them.
	Findings []Finding `json:"findings"`

	// Chromium is the verdict of Chromium 156 in a fresh profile.
	Chromium Verdict `json:"chromium"`

	// Firefox is the verdict of Firefox ESR 153 with Total Cookie Protection.
	Firefox Verdict `json:"firefox"`
}

// OK reports whether the setup works in both browsers: no finding is a Fail.
func (r *Report) OK() bool {
	for _, f := range r.Findings {
		if f.Level == Fail {
			return false
		}
	}
	return true
}

// Request is the credentialed fetch the page makes.
type Request struct {
	// Method is the request method, as the script passes it to fetch.
	Method string

	// URL is the absolute URL fetched.
	URL string

	// Header holds the headers the script sets. Origin and Cookie are added by
	// the browser and must not be in it.
	Header http.Header
}

// Response is the status and headers of an answer.
type Response struct {
	// Status is the HTTP status code.
	Status int

	// Header holds the response headers, Set-Cookie lines included.
	Header http.Header
}

// Exchange is a request to URL from the page and its response.
type Exchange struct {
	// URL is the absolute URL fetched.
	URL string

	// Response is what came back.
	Response Response
}

// Input is everything a browser saw.
type Input struct {
	// Origin is the origin of the page, scheme://host[:port].
	Origin string

	// Request is the fetch judged. Credentials are always included.
	Request Request

	// Preflight is the answer to the preflight, or nil when none was sent.
	Preflight *Response

	// Actual is the answer to the request, or nil when it was not sent because
	// the preflight failed.
	Actual *Response

	// Set is an earlier GET from the page that sets the cookie, or nil.
	Set *Exchange

	// Now is the time that Expires dates are compared with. Zero means
	// time.Now().
	Now time.Time
}

// checker holds the parsed input while [Check] runs.
type checker struct {
	in       Input
	method   string
	page     *url.URL
	target   *url.URL
	report   *Report
	readable bool

	// unsent is true when a failed preflight keeps the request from being sent,
	// and with it every cookie.
	unsent bool
}

// Check judges in and returns the report. It returns an error wrapping
// [ErrOrigin], [ErrURL], [ErrMethod], [ErrHeader] or [ErrNoPreflight] when the
// input is not one a browser could send.
func Check(in Input) (*Report, error) {
	c, err := newChecker(in)
	if err != nil {
		return nil, err
	}
	if c.needsPreflight() && in.Preflight == nil {
		return nil, ErrNoPreflight
	}

	if c.judgeRequest() {
		c.judgeSet()
		c.judgeCORS()
		c.judgeCookies()
	}
	return c.report, nil
}

// newChecker parses and checks the input.
func newChecker(in Input) (*checker, error) {
	page, target, err := ValidateRequest(in.Origin, in.Request)
	if err != nil {
		return nil, err
	}
	if in.Set != nil {
		if u, err := url.Parse(in.Set.URL); err != nil || !httpURL(u) {
			return nil, fmt.Errorf("%w: %q", ErrURL, in.Set.URL)
		}
	}
	method, _ := NormalizeMethod(in.Request.Method)
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	return &checker{in: in, method: method, page: page, target: target, report: &Report{}}, nil
}

// add appends a finding.
func (c *checker) add(level Level, step, says, fix string) {
	c.report.Findings = append(c.report.Findings, Finding{level, step, says, fix})
}

// judgeRequest reports what kind of request this is, and returns false when the
// browser blocks it outright.
func (c *checker) judgeRequest() bool {
	switch {
	case c.page.Scheme == "https" && !trustworthy(c.target):
		c.add(Fail, "request", "browsers block it as mixed content: an HTTPS page cannot "+
			"fetch "+c.target.Scheme+"://"+c.target.Host, "serve the API over HTTPS too")
		return false
	case sameOrigin(c.page, c.target):
		c.add(Pass, "request", "same origin: CORS does not apply", "")
	case c.needsPreflight():
		c.add(Pass, "request", "cross-origin, "+siteWord(c.page, c.target)+
			"; needs a preflight: "+c.preflightReason(), "")
	default:
		c.add(Pass, "request", "cross-origin, "+siteWord(c.page, c.target)+
			"; no preflight needed for "+c.method+" with these headers", "")
	}
	return true
}

// siteWord says whether page and target are on the same site.
func siteWord(page, target *url.URL) string {
	if siteOf(page) == siteOf(target) {
		return "same-site"
	}
	return "cross-site (" + siteOf(page).String() + " vs " + siteOf(target).String() + ")"
}

// judgeCORS judges the preflight and the response, and sets Readable.
func (c *checker) judgeCORS() {
	switch {
	case sameOrigin(c.page, c.target):
		c.readable = c.in.Actual != nil
	case c.needsPreflight() && !c.judgePreflight():
		c.add(Fail, "response", "browsers never send the request, since the preflight "+
			"failed", "fix the preflight first")
		c.in.Actual = nil // what came back was never for a browser to see
		c.unsent = true
	case c.in.Actual == nil:
		c.add(Fail, "response", "no answer, so the script gets a network error",
			"make the server answer the request")
	default:
		c.readable = c.judgeResponse("response", c.in.Actual)
	}
	c.report.Chromium.Readable = c.readable
	c.report.Firefox.Readable = c.readable
}

// quoteList joins names for a finding.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
