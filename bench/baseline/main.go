// Command baseline answers the three requests of the corscookie load test by hand,
// with plain net/http: no router, no CORS library, no signing, no request log. It is
// what the numbers of corscookie are compared with.
//
// Usage:
//
//	baseline [-addr 127.0.0.1:0]
//
// It logs one JSON "listening" line with the api field, as corscookie does, and shuts
// down gracefully on SIGTERM or SIGINT.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// origin is the one allowed origin: corscookie's default.
const origin = "http://localhost:8080"

// response is the JSON body, as corscookie writes it.
type response struct {
	Message string `json:"message"`
	Token   string `json:"token,omitempty"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, log); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}

// serve answers on addr until ctx is done, then shuts down within 3 s.
func serve(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "api", "http://"+ln.Addr().String())

	select {
	case err = <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// handler routes the preflight, /set-cookie and /get-cookie.
func handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodOptions:
			preflight(w, r)
		case r.Method == http.MethodGet && r.URL.Path == "/set-cookie":
			setCookie(w, r)
		case r.Method == http.MethodGet && r.URL.Path == "/get-cookie":
			getCookie(w, r)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

// preflight answers 204 with the Access-Control-* headers corscookie sends.
func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if r.Header.Get("Origin") == origin {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "600")
	}
	w.WriteHeader(http.StatusNoContent)
}

// setCookie sets a cookie of 32 random bytes, unsigned, with corscookie's attributes.
func setCookie(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 32)
	rand.Read(b)
	corsHeaders(w, r)
	http.SetCookie(w, &http.Cookie{
		Name: "user_token", Value: base64.RawURLEncoding.EncodeToString(b),
		Path: "/", MaxAge: 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	json.NewEncoder(w).Encode(response{Message: "Cookie is set!"})
}

// getCookie echoes the cookie as the token without checking it: baselineHandler of
// the root package's bench_test.go.
func getCookie(w http.ResponseWriter, r *http.Request) {
	corsHeaders(w, r)
	c, err := r.Cookie("user_token")
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(response{Message: "Cookie retrieved!", Token: c.Value})
}

// corsHeaders writes the headers of an actual request from the allowed origin.
func corsHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if r.Header.Get("Origin") == origin {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "application/json")
}
