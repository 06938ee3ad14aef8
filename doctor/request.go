package doctor

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Errors for input that no browser could send, and for a level that does not
// parse.
var (
	ErrOrigin      = errors.New("doctor: page origin is not http(s)://host[:port]")
	ErrURL         = errors.New("doctor: request URL is not an absolute http or https URL")
	ErrMethod      = errors.New("doctor: method is not one fetch sends")
	ErrHeader      = errors.New("doctor: header is not one a script may set")
	ErrNoPreflight = errors.New("doctor: the request needs a preflight, and none was given")
	ErrLevel       = errors.New("doctor: level is not PASS, WARN or FAIL")
)

// safelistedMethods are the CORS-safelisted methods, which need no preflight.
var safelistedMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost}

// normalizedMethods are the methods fetch upper-cases; any other method is
// sent, and compared with Access-Control-Allow-Methods, exactly as the script
// wrote it.
var normalizedMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}

// forbiddenMethods make fetch fail before anything is sent.
var forbiddenMethods = []string{"CONNECT", "TRACE", "TRACK"}

// forbiddenHeaders are request headers that a script may not set (lower case);
// names starting with proxy- or sec- are forbidden too.
var forbiddenHeaders = []string{
	"accept-charset", "accept-encoding", "access-control-request-headers",
	"access-control-request-method", "connection", "content-length", "cookie", "cookie2",
	"date", "dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te",
	"trailer", "transfer-encoding", "upgrade", "via",
}

// safelistedTypes are the Content-Type essences a simple request may carry.
var safelistedTypes = []string{
	"application/x-www-form-urlencoded", "multipart/form-data", "text/plain",
}

// ValidateRequest parses the page origin and the request URL, and checks that a
// script could send r: a method fetch allows and no forbidden header.
func ValidateRequest(origin string, r Request) (page, target *url.URL, err error) {
	if page, err = parseOrigin(origin); err != nil {
		return nil, nil, err
	}
	if target, err = url.Parse(r.URL); err != nil || !httpURL(target) {
		return nil, nil, fmt.Errorf("%w: %q", ErrURL, r.URL)
	}
	if _, err = NormalizeMethod(r.Method); err != nil {
		return nil, nil, err
	}
	for name := range r.Header {
		if forbiddenHeader(name) {
			return nil, nil, fmt.Errorf("%w: %s is set by the browser", ErrHeader, name)
		}
	}
	return page, target, nil
}

// parseOrigin parses a serialized origin: scheme://host[:port] and nothing
// else.
func parseOrigin(origin string) (*url.URL, error) {
	u, err := url.Parse(origin)
	if err != nil || !httpURL(u) || u.User != nil || u.Path != "" || u.RawQuery != "" ||
		u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("%w: %q", ErrOrigin, origin)
	}
	return u, nil
}

// httpURL reports whether u is absolute, with scheme http or https and a host.
func httpURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
}

// NormalizeMethod returns method as fetch sends it: DELETE, GET, HEAD, OPTIONS,
// POST and PUT in upper case, whatever their case, and any other method
// unchanged (so "patch" stays "patch"). It returns an error wrapping
// [ErrMethod] for a method fetch refuses.
func NormalizeMethod(method string) (string, error) {
	upper := strings.ToUpper(method)
	switch {
	case method == "" || strings.IndexFunc(method, notTokenRune) >= 0:
		return "", fmt.Errorf("%w: %q is not a token", ErrMethod, method)
	case slices.Contains(forbiddenMethods, upper):
		return "", fmt.Errorf("%w: fetch refuses %s", ErrMethod, upper)
	case slices.Contains(normalizedMethods, upper):
		return upper, nil
	}
	return method, nil
}

// notTokenRune reports whether r may not appear in an HTTP token.
func notTokenRune(r rune) bool {
	return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
}

// forbiddenHeader reports whether a script may not set the header name.
func forbiddenHeader(name string) bool {
	n := strings.ToLower(name)
	return slices.Contains(forbiddenHeaders, n) || strings.HasPrefix(n, "proxy-") ||
		strings.HasPrefix(n, "sec-")
}

// NeedsPreflight reports whether a credentialed fetch with method and header
// sends a preflight first: when the method is not GET, HEAD or POST, or a
// header is not CORS-safelisted. It does not know whether the request is
// cross-origin.
func NeedsPreflight(method string, header http.Header) bool {
	m, _ := NormalizeMethod(method)
	return !slices.Contains(safelistedMethods, m) || len(unsafeHeaderNames(header)) > 0
}

// PreflightHeaders returns the Access-Control-Request-Headers value of the
// preflight: the names of the headers that are not CORS-safelisted, lower case,
// sorted, without duplicates, joined by ",".
func PreflightHeaders(header http.Header) string {
	return strings.Join(unsafeHeaderNames(header), ",")
}

// unsafeHeaderNames returns the sorted, lower-case names of the headers in
// header that are not CORS-safelisted.
func unsafeHeaderNames(header http.Header) []string {
	var names []string
	for name, values := range header {
		n := strings.ToLower(name)
		if !safelistedHeader(n, strings.Join(values, ", ")) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// safelistedHeader reports whether the header name (lower case) with value is a
// CORS-safelisted request header, as the Fetch standard defines it (except
// Range, which is treated as unsafe).
func safelistedHeader(name, value string) bool {
	if len(value) > 128 {
		return false
	}
	switch name {
	case "accept":
		return !strings.ContainsFunc(value, corsUnsafeRune)
	case "accept-language", "content-language":
		return !strings.ContainsFunc(value, notLanguageRune)
	case "content-type":
		mt, _, err := mime.ParseMediaType(value)
		return !strings.ContainsFunc(value, corsUnsafeRune) && err == nil &&
			slices.Contains(safelistedTypes, mt)
	}
	return false
}

// corsUnsafeRune reports whether r is a CORS-unsafe request-header byte.
func corsUnsafeRune(r rune) bool {
	return r < 0x20 && r != '\t' || r == 0x7f || strings.ContainsRune(`"():<>?@[\]{}`, r)
}

// notLanguageRune reports whether r may not appear in Accept-Language or
// Content-Language of a simple request.
func notLanguageRune(r rune) bool {
	return !('0' <= r && r <= '9' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' ||
		strings.ContainsRune(" *,-.;=", r))
}

// needsPreflight reports whether the checked request sends a preflight.
func (c *checker) needsPreflight() bool {
	return !sameOrigin(c.page, c.target) && NeedsPreflight(c.method, c.in.Request.Header)
}

// preflightReason says why the checked request needs a preflight.
func (c *checker) preflightReason() string {
	var why []string
	if !slices.Contains(safelistedMethods, c.method) {
		why = append(why, "method "+c.method)
	}
	if names := unsafeHeaderNames(c.in.Request.Header); len(names) > 0 {
		why = append(why, "header "+strings.Join(names, ", "))
	}
	return strings.Join(why, " and ")
}
