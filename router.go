package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/corscookie/corscookie/session"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// maxBodyBytes caps request bodies; no endpoint reads one.
const maxBodyBytes = 1 << 10

// response is the JSON body of every answer: a message for people and, on
// errors, a stable code for programs.
type response struct {
	Message string `json:"message"`
	Error   string `json:"error,omitempty"`
	Token   string `json:"token,omitempty"`
}

// Messages and error codes the Vue client and integration tests rely on. The
// messages keep the Flask tutorial's punctuation: a sentence ending in "!".
var (
	msgSet       = response{Message: "Cookie is set!"}
	msgRetrieved = response{Message: "Cookie retrieved!"}
	msgCleared   = response{Message: "Cookie cleared!"}
	errMissing   = fail("No cookie found!", "missing_cookie")
	errInvalid   = fail("Cookie signature is invalid!", "invalid_cookie")
	errExpired   = fail("Cookie has expired!", "expired_cookie")
	errNotFound  = fail("No such endpoint!", "not_found")
	errMethod    = fail("Method not allowed!", "method_not_allowed")
	errForbidden = fail("Cross-origin request refused!", "cross_origin_refused")
	errTooLarge  = fail("Request body too large!", "body_too_large")
	errInternal  = fail("Internal server error!", "internal")
)

// fail returns the body of an error answer.
func fail(message, code string) response {
	return response{Message: message, Error: code}
}

// Header values set on every answer, shared so that setting them costs no
// allocation. net/http only reads them.
var (
	noStoreValue = []string{"no-store"}
	jsonValue    = []string{"application/json"}
)

// api holds what the handlers share.
type api struct {
	sessions *session.Manager
	proxies  []netip.Prefix
	log      *slog.Logger
}

// newRouter returns the API: CORS around every route, the unsafe methods behind
// cross-origin protection, and one log line per request. X-Forwarded-Proto is
// believed from the proxies alone.
func newRouter(sessions *session.Manager, cp *corsPolicy,
	proxies []netip.Prefix, log *slog.Logger) http.Handler {
	a := &api{sessions: sessions, proxies: proxies, log: log}
	csrf := newCSRF(cp)

	r := chi.NewRouter()
	r.Use(a.recoverer, noStore)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errNotFound)
	})
	r.MethodNotAllowed(methodNotAllowed(r))

	r.Get("/healthz", healthz)
	r.Get("/config", a.config)
	r.Get("/set-cookie", a.setCookie)
	r.With(limitBody, csrf.Handler).Post("/set-cookie", a.setCookie)
	r.Get("/get-cookie", a.getCookie)
	r.With(limitBody, csrf.Handler).Post("/clear-cookie", a.clearCookie)

	return a.logRequests(cp.Handler(r))
}

// newCSRF returns the cross-origin protection of the unsafe methods, which
// trusts the allowed origins and answers a refusal in JSON.
func newCSRF(cp *corsPolicy) *http.CrossOriginProtection {
	csrf := http.NewCrossOriginProtection()
	for o := range cp.origins {
		csrf.AddTrustedOrigin(o) // cannot fail: checkOrigin accepted o
	}
	deny := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, errForbidden)
	}
	csrf.SetDenyHandler(http.HandlerFunc(deny))
	return csrf
}

// setCookie issues a fresh token.
func (a *api) setCookie(w http.ResponseWriter, r *http.Request) {
	secure := a.sessions.Policy().Secure
	if secure && a.scheme(r) == "http" && !isLoopback(r.Host) {
		a.log.Warn("Secure cookie sent over plain HTTP: browsers will "+
			"drop it; serve HTTPS, or set -trusted-proxy to the proxy "+
			"that terminates TLS", "host", r.Host)
	}

	if err := a.sessions.Issue(w, session.NewToken()); err != nil {
		a.log.Error("issue token", "err", err)
		writeJSON(w, http.StatusInternalServerError, errInternal)
		return
	}
	writeJSON(w, http.StatusOK, msgSet)
}

// getCookie verifies the token cookie and returns its token. A token signed
// with an older key is issued again with the current one.
func (a *api) getCookie(w http.ResponseWriter, r *http.Request) {
	token, stale, err := a.sessions.Read(r)
	if err != nil {
		a.refuseCookie(w, err)
		return
	}

	if stale {
		if err := a.sessions.Issue(w, token); err != nil {
			a.log.Error("issue token again", "err", err)
		}
	}
	res := msgRetrieved
	res.Token = token
	writeJSON(w, http.StatusOK, res)
}

// refuseCookie answers a cookie that is missing or does not verify, and clears
// it when one was sent.
func (a *api) refuseCookie(w http.ResponseWriter, err error) {
	// Not errors.Is: ErrEmpty wraps ErrNoToken, and an empty cookie is
	// cleared too.
	if err != session.ErrNoToken {
		a.sessions.Clear(w)
		a.log.Info("cookie refused", "err", err)
	}

	switch {
	case errors.Is(err, session.ErrNoToken):
		writeJSON(w, http.StatusNotFound, errMissing)
	case errors.Is(err, session.ErrExpired):
		writeJSON(w, http.StatusUnauthorized, errExpired)
	default:
		writeJSON(w, http.StatusUnauthorized, errInvalid)
	}
}

// clearCookie expires the cookie.
func (a *api) clearCookie(w http.ResponseWriter, r *http.Request) {
	a.sessions.Clear(w)
	writeJSON(w, http.StatusOK, msgCleared)
}

// cookieInfo is the public cookie policy, for the page's setup panel.
type cookieInfo struct {
	Name        string `json:"name"`
	SameSite    string `json:"sameSite"`
	Secure      bool   `json:"secure"`
	HTTPOnly    bool   `json:"httpOnly"`
	Partitioned bool   `json:"partitioned"`
	MaxAge      int    `json:"maxAge"`
	Domain      string `json:"domain"`
}

// config returns the cookie policy: public facts only, no keys.
func (a *api) config(w http.ResponseWriter, r *http.Request) {
	p := a.sessions.Policy()
	writeJSON(w, http.StatusOK, map[string]cookieInfo{"cookie": {
		Name:        p.Name,
		SameSite:    session.SameSiteName(p.SameSite),
		Secure:      p.Secure,
		HTTPOnly:    true,
		Partitioned: p.Partitioned,
		MaxAge:      int(p.MaxAge / time.Second),
		Domain:      p.Domain,
	}})
}

// healthz reports that the process serves requests.
func healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// methodNotAllowed answers 405 with the Allow header chi would have written.
func methodNotAllowed(mux *chi.Mux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for _, m := range responseMethods {
			if mux.Match(chi.NewRouteContext(), m, r.URL.Path) {
				w.Header().Add("Allow", m)
			}
		}
		writeJSON(w, http.StatusMethodNotAllowed, errMethod)
	}
}

// limitBody refuses a body over maxBodyBytes with 413, before it is read.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			writeJSON(w, http.StatusRequestEntityTooLarge, errTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// noStore keeps every API answer out of caches: each one depends on the cookie.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Cache-Control"] = noStoreValue
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic into a logged 500 with a JSON body. The CORS headers
// are already set, so the page can read it.
func (a *api) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // net/http aborts the response quietly
			}

			a.log.Error("panic", "method", r.Method, "path", r.URL.Path,
				"panic", v)
			writeJSON(w, http.StatusInternalServerError, errInternal)
		}()
		next.ServeHTTP(w, r)
	})
}

// scheme returns https when r came over TLS, or from a trusted proxy whose
// X-Forwarded-Proto says so; anyone else's X-Forwarded-Proto is ignored.
func (a *api) scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if r.Header.Get("X-Forwarded-Proto") == "https" && a.fromProxy(r) {
		return "https"
	}
	return "http"
}

// fromProxy reports whether r comes from a trusted proxy.
func (a *api) fromProxy(r *http.Request) bool {
	if len(a.proxies) == 0 {
		return false
	}
	addr, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(a.proxies, func(p netip.Prefix) bool {
		return p.Contains(addr.Addr().Unmap())
	})
}

// isLoopback reports whether a Host header names localhost or a loopback
// address, where browsers accept Secure cookies over plain HTTP.
func isLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

// logRequests writes one line per request: never a cookie, token or key.
func (a *api) logRequests(next http.Handler) http.Handler {
	h := a.log.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)

		if ctx := r.Context(); h.Enabled(ctx, slog.LevelInfo) {
			h.Handle(ctx, a.requestRecord(r, ww.Status(), start))
		}
	})
}

// requestRecord returns the log line of a request that began at start. It
// names the scheme only when proxies are trusted: without them it is the
// listener's, which the "listening" line gives.
//
// Its program counter is 0: the line has no use for its source position, which
// would cost a stack walk on every request. The duration is a slog.Duration
// ("53.2µs" in text, nanoseconds in JSON): a float goes through encoding/json
// in the JSON handler, which made the whole line 60% slower.
func (a *api) requestRecord(r *http.Request, status int,
	start time.Time) slog.Record {
	end := time.Now()
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", end.Sub(start)),
		slog.String("origin", originForLog(r)),
	)
	if len(a.proxies) > 0 {
		rec.AddAttrs(slog.String("scheme", a.scheme(r)))
	}
	return rec
}

// writeJSON writes v as the JSON body with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header()["Content-Type"] = jsonValue
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
