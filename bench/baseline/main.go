// Command baseline serves [bench.BaselineHandler]: the three requests of the
// corscookie load test answered by hand with plain net/http, what the numbers of
// corscookie are compared with.
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
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/corscookie/corscookie/bench"
)

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
	// The limits of corscookie's API server (main.go), so that the two servers differ
	// in their handlers alone.
	srv := &http.Server{
		Handler:           bench.BaselineHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64<<10 - 4096,
	}
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
