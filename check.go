package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/corscookie/corscookie/doctor"
)

// checkTimeout bounds each request that corscookie check sends.
const checkTimeout = 10 * time.Second

// Errors of corscookie check's command line.
var (
	errCheckOrigin = errors.New("corscookie check: -origin is required")
	errCheckURLs   = errors.New(
		"corscookie check: give exactly one URL to check")
	errCheckHeader = errors.New(
		"corscookie check: -header wants 'Name: value'")
	errCheckResolve = errors.New(
		"corscookie check: -resolve wants HOST:PORT:ADDRESS")
)

// checkFlags are the settings of corscookie check.
type checkFlags struct {
	origin, method, set, url string
	header                   http.Header
	json, insecure           bool

	// resolve maps "host:port" to the "address:port" to dial instead, as curl's
	// --resolve does, so that names a browser test maps to loopback work here
	// too.
	resolve map[string]string
}

// runCheck runs "corscookie check": it sends what a browser would, asks doctor
// for a verdict and prints it. It returns 0 when the setup works in Chromium
// and Firefox, 1 when it does not or the server cannot be reached, and 2 on bad
// input.
func runCheck(ctx context.Context, args []string,
	stdout, stderr io.Writer) int {
	f, err := parseCheckFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		err = f.validate()
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}

	in, err := newCheckClient(f, stderr).exchange(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "corscookie check: %v\n", err)
		return 1
	}
	report, err := doctor.Check(in)
	if err != nil {
		fmt.Fprintf(stderr, "corscookie check: %v\n", err)
		return 2
	}
	if err := writeReport(stdout, report, f.json); err != nil {
		fmt.Fprintf(stderr, "corscookie check: %v\n", err)
		return 1
	}
	if !report.OK() {
		return 1
	}
	return 0
}

// parseCheckFlags parses the flags and the one URL, which may come before,
// between or after the flags.
func parseCheckFlags(args []string, stderr io.Writer) (*checkFlags, error) {
	f := &checkFlags{header: http.Header{}, resolve: map[string]string{}}
	fs := flag.NewFlagSet("corscookie check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(),
			"usage: corscookie check -origin ORIGIN [flags] URL")
		fs.PrintDefaults()
	}

	fs.StringVar(&f.origin, "origin", "", "origin of the page that calls "+
		"URL, e.g. https://app.example.com (required)")
	fs.StringVar(&f.method, "method", http.MethodGet, "request method")
	fs.Func("header", "request header 'Name: value' the script sets "+
		"(repeatable)", f.addHeader)
	fs.StringVar(&f.set, "set", "",
		"URL the page fetches (GET) first to get the cookie")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON")
	fs.BoolVar(&f.insecure, "insecure", false,
		"accept any TLS certificate (development only)")
	fs.Func("resolve", "HOST:PORT:ADDRESS: connect to ADDRESS for "+
		"HOST:PORT (repeatable)", f.addResolve)

	var urls []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		urls, args = append(urls, fs.Arg(0)), fs.Args()[1:]
	}
	if len(urls) != 1 {
		return nil, errCheckURLs
	}
	f.url = urls[0]
	return f, nil
}

// addHeader adds one -header value.
func (f *checkFlags) addHeader(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return errCheckHeader
	}
	f.header.Add(name, strings.TrimSpace(value))
	return nil
}

// addResolve adds one -resolve value.
func (f *checkFlags) addResolve(s string) error {
	host, rest, ok := strings.Cut(s, ":")
	port, addr, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || host == "" || port == "" || addr == "" {
		return errCheckResolve
	}
	to := net.JoinHostPort(strings.Trim(addr, "[]"), port)
	f.resolve[net.JoinHostPort(host, port)] = to
	return nil
}

// validate refuses input that no browser could send.
func (f *checkFlags) validate() error {
	if f.origin == "" {
		return errCheckOrigin
	}
	if _, _, err := doctor.ValidateRequest(f.origin, f.request()); err != nil {
		return fmt.Errorf("corscookie check: %w", err)
	}
	if f.set == "" {
		return nil
	}
	set := doctor.Request{Method: "GET", URL: f.set}
	if _, _, err := doctor.ValidateRequest(f.origin, set); err != nil {
		return fmt.Errorf("corscookie check: -set: %w", err)
	}
	return nil
}

// request is the fetch judged.
func (f *checkFlags) request() doctor.Request {
	method, _ := doctor.NormalizeMethod(f.method)
	return doctor.Request{Method: method, URL: f.url, Header: f.header}
}

// checkClient sends what a browser would send, and nothing it would not.
type checkClient struct {
	flags    *checkFlags
	client   *http.Client
	progress io.Writer // nil unless stderr is a terminal
}

// newCheckClient returns a client that follows no redirect and verifies TLS
// certificates unless -insecure is set.
func newCheckClient(f *checkFlags, stderr io.Writer) *checkClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: f.insecure}
	dialer := &net.Dialer{Timeout: checkTimeout}
	tr.DialContext = func(ctx context.Context, network, addr string) (
		net.Conn, error) {
		if to, ok := f.resolve[addr]; ok {
			addr = to
		}
		return dialer.DialContext(ctx, network, addr)
	}

	client := &http.Client{
		Transport: tr,
		Timeout:   checkTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	cc := &checkClient{flags: f, client: client}
	if isTerminal(stderr) {
		cc.progress = stderr
	}
	return cc
}

// isTerminal reports whether w is a file on a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// exchange sends the -set request, the preflight and the request, as a browser
// would, and returns what came back.
func (cc *checkClient) exchange(ctx context.Context) (doctor.Input, error) {
	defer cc.client.CloseIdleConnections()
	f := cc.flags
	in := doctor.Input{Origin: f.origin, Request: f.request()}
	cookie, err := cc.fetchSet(ctx, &in)
	if err != nil {
		return in, err
	}

	sameOrigin := doctor.FetchSite(f.origin, f.url) == "same-origin"
	req := in.Request
	if !sameOrigin && doctor.NeedsPreflight(req.Method, req.Header) {
		in.Preflight, err = cc.send(ctx, http.MethodOptions, f.url,
			cc.preflightHeader())
		if err != nil {
			return in, fmt.Errorf("preflight: %w", err)
		}
		if !doctor.PreflightPasses(in) {
			return in, nil // a browser stops here
		}
	}

	h := in.Request.Header.Clone()
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	in.Actual, err = cc.send(ctx, in.Request.Method, f.url, h)
	return in, err
}

// fetchSet sends the -set request and returns the Cookie header that a browser
// then sends with the request: the cookies that Chromium or Firefox keeps and
// sends.
func (cc *checkClient) fetchSet(ctx context.Context, in *doctor.Input) (
	string, error) {
	if cc.flags.set == "" {
		return "", nil
	}

	res, err := cc.send(ctx, http.MethodGet, cc.flags.set, http.Header{})
	if err != nil {
		return "", fmt.Errorf("-set: %w", err)
	}
	in.Set = &doctor.Exchange{URL: cc.flags.set, Response: *res}
	return doctor.CookieHeader(*in)
}

// preflightHeader returns the headers of the preflight.
func (cc *checkClient) preflightHeader() http.Header {
	req := cc.flags.request()
	h := http.Header{"Access-Control-Request-Method": {req.Method}}
	if names := doctor.PreflightHeaders(req.Header); names != "" {
		h.Set("Access-Control-Request-Headers", names)
	}
	return h
}

// send sends one request with the headers a browser's fetch adds, and returns
// the status and headers of the answer.
func (cc *checkClient) send(ctx context.Context, method, url string,
	h http.Header) (*doctor.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, http.NoBody)
	if err != nil {
		return nil, err
	}
	req.Header = h.Clone()
	req.Header.Set("Origin", cc.flags.origin)
	req.Header.Set("Sec-Fetch-Site", doctor.FetchSite(cc.flags.origin, url))
	req.Header.Set("Sec-Fetch-Mode", "cors")
	req.Header.Set("Sec-Fetch-Dest", "empty")
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "*/*")
	}

	cc.showProgress(method + " " + url)
	defer cc.showProgress("")
	res, err := cc.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	return &doctor.Response{Status: res.StatusCode, Header: res.Header}, nil
}

// showProgress writes what corscookie check waits for on the terminal's current
// line, or clears the line when what is "".
func (cc *checkClient) showProgress(what string) {
	if cc.progress == nil {
		return
	}
	const clearLine = "\r\033[K"
	if what == "" {
		fmt.Fprint(cc.progress, clearLine)
		return
	}
	fmt.Fprintf(cc.progress, clearLine+"corscookie check: waiting for %s ...",
		what)
}

// writeReport prints the report: JSON, or one line per finding and a verdict
// per browser.
func writeReport(w io.Writer, r *doctor.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}

	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.String() + "\n")
	}
	fmt.Fprintf(&b, "Chromium: %s\nFirefox:  %s\n", verdictLine(r.Chromium),
		verdictLine(r.Firefox))
	if r.OK() {
		b.WriteString("Works in Chromium and Firefox.\n")
	} else {
		b.WriteString("Does not work in both browsers: fix each FAIL above.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// verdictLine writes a verdict as "readable yes, stored no, sent back no".
func verdictLine(v doctor.Verdict) string {
	yes := map[bool]string{true: "yes", false: "no"}
	return fmt.Sprintf("readable %s, stored %s, sent back %s",
		yes[v.Readable], yes[v.Stored], yes[v.SentBack])
}
