package main

import (
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/cors"
)

// Preflight limits: the page sends at most one non-safelisted header, so a
// longer Access-Control-Request-Headers is refused before it is split.
const (
	maxRequestHeadersLen   = 256
	maxRequestHeaderValues = 4
)

// Request headers read on every preflight. The policy looks them up in the
// http.Header map by their canonical names: Get would canonicalize the name
// again on every call.
const (
	requestMethod  = "Access-Control-Request-Method"
	requestHeaders = "Access-Control-Request-Headers"
)

// zeroValue is the header value "0", shared so that setting it costs no
// allocation. net/http only reads it.
var zeroValue = []string{"0"}

// preflightMethods are the methods a preflight may ask for, compared byte for
// byte as browsers compare them.
var preflightMethods = []string{http.MethodGet, http.MethodPost}

// preflightHeaders are the request headers a preflight may ask for, in lower
// case.
var preflightHeaders = []string{"content-type"}

// responseMethods are the methods whose responses carry CORS headers for an
// allowed origin: all of them, so that a 405 can be read too. Preflights are
// judged against preflightMethods before go-chi/cors sees them.
var responseMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
	http.MethodConnect, http.MethodTrace,
}

// corsPolicy is the CORS policy of the API: go-chi/cors, with exact origin
// matching, strict preflight checks, Access-Control-Max-Age: 0 and Private
// Network Access added around it.
//
// go-chi/cors on its own matches origins without regard to case, reads only the
// first Origin and Access-Control-Request-Headers line, upper-cases the
// requested method, always allows OPTIONS, and leaves Access-Control-Max-Age
// out when it is 0.
type corsPolicy struct {
	origins        map[string]bool
	maxAge         time.Duration
	privateNetwork bool
	lib            *cors.Cors
	log            *slog.Logger
}

// newCORSPolicy returns the policy for the allowed origins, which must already
// be checked by checkOrigin.
func newCORSPolicy(origins []string, maxAge time.Duration, privateNetwork bool,
	log *slog.Logger) *corsPolicy {
	p := &corsPolicy{
		origins:        make(map[string]bool, len(origins)),
		maxAge:         maxAge,
		privateNetwork: privateNetwork,
		log:            log,
	}
	for _, o := range origins {
		p.origins[o] = true
	}

	allowOrigin := func(r *http.Request, _ string) bool {
		return p.allowed(r)
	}
	p.lib = cors.New(cors.Options{
		AllowOriginFunc:    allowOrigin,
		AllowedMethods:     responseMethods,
		AllowedHeaders:     preflightHeaders,
		AllowCredentials:   true,
		MaxAge:             int(maxAge / time.Second),
		OptionsPassthrough: true,
	})
	return p
}

// allowed reports whether r comes from an allowed origin: exactly one Origin
// header, equal byte for byte to an allowed origin.
func (p *corsPolicy) allowed(r *http.Request) bool {
	o := r.Header["Origin"]
	return len(o) == 1 && p.origins[o[0]]
}

// Handler answers preflights and adds CORS headers to every other response.
func (p *corsPolicy) Handler(next http.Handler) http.Handler {
	inner := func(w http.ResponseWriter, r *http.Request) {
		if isPreflight(r) {
			p.finishPreflight(w, r)
			return
		}
		next.ServeHTTP(w, r)
	}
	lib := p.lib.Handler(http.HandlerFunc(inner))

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Header["Origin"]; ok && !p.allowed(r) {
			p.log.Info("origin refused", "origin", originForLog(r),
				"reason", p.refusal(r))
		}
		if isPreflight(r) && !p.startPreflight(w, r) {
			return
		}
		lib.ServeHTTP(w, r)
	})
}

// startPreflight checks a preflight before go-chi/cors sees it. It answers a
// refused one itself and returns false; otherwise it joins the lines of
// Access-Control-Request-Headers, of which go-chi/cors reads only the first.
func (p *corsPolicy) startPreflight(w http.ResponseWriter,
	r *http.Request) bool {
	if p.privateNetwork {
		w.Header().Add("Vary", "Access-Control-Request-Private-Network")
	}
	if reason := p.preflightRefusal(r); reason != "" {
		p.refusePreflight(w, r, reason)
		return false
	}

	if values := r.Header[requestHeaders]; len(values) > 1 {
		r.Header[requestHeaders] = []string{strings.Join(values, ",")}
	}
	return true
}

// isPreflight tells a preflight from a plain OPTIONS request, as go-chi/cors
// does.
func isPreflight(r *http.Request) bool {
	_, hasOrigin := r.Header["Origin"]
	return r.Method == http.MethodOptions && hasOrigin &&
		first(r.Header[requestMethod]) != ""
}

// preflightRefusal returns why a preflight from an allowed origin asks for more
// than the policy offers, or "" when it does not.
func (p *corsPolicy) preflightRefusal(r *http.Request) string {
	if !p.allowed(r) {
		return ""
	}
	method := first(r.Header[requestMethod])
	if !slices.Contains(preflightMethods, method) {
		return "method " + strconv.Quote(method) + " is not allowed"
	}

	values := r.Header[requestHeaders]
	if len(values) > maxRequestHeaderValues ||
		headerLen(values) > maxRequestHeadersLen {
		return "too many request headers"
	}
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			h = strings.ToLower(strings.Trim(h, " \t"))
			if h != "" && !slices.Contains(preflightHeaders, h) {
				return "request header " + strconv.Quote(h) + " is not allowed"
			}
		}
	}
	return ""
}

// first returns the first of a header's values, or "" when it has none.
func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// headerLen is the total length of the values of one header.
func headerLen(values []string) int {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	return n
}

// refusePreflight answers a preflight that asks for too much: no CORS headers,
// so the browser blocks the actual request.
func (p *corsPolicy) refusePreflight(w http.ResponseWriter, r *http.Request,
	reason string) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")

	p.log.Info("preflight refused", "origin", originForLog(r),
		"reason", reason)
	w.WriteHeader(http.StatusNoContent)
}

// finishPreflight completes a preflight that go-chi/cors has answered: it
// writes the headers the library leaves out.
func (p *corsPolicy) finishPreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if len(h["Access-Control-Allow-Origin"]) > 0 {
		if p.maxAge == 0 {
			h["Access-Control-Max-Age"] = zeroValue
		}
		pna := first(r.Header["Access-Control-Request-Private-Network"])
		if p.privateNetwork && pna == "true" {
			h.Set("Access-Control-Allow-Private-Network", "true")
		}
	}

	w.WriteHeader(http.StatusNoContent)
}

// refusal says why the origin of r is not allowed, in words for the log.
func (p *corsPolicy) refusal(r *http.Request) string {
	values := r.Header["Origin"]
	if len(values) != 1 {
		return "several Origin headers"
	}

	o := values[0]
	for allowed := range p.origins {
		if strings.EqualFold(o, allowed) {
			return "differs only in case from " + allowed +
				"; browsers send lower case"
		}
	}
	if o == "null" {
		return "null origin: a sandboxed frame, a local file or a redirect"
	}
	return "not in -origins"
}

// originForLog bounds the Origin header for the log: it is client input.
func originForLog(r *http.Request) string {
	const max = 200
	o := first(r.Header["Origin"])
	if len(o) > max {
		return o[:max] + "..."
	}
	return o
}
