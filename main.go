// Command corscookie serves an API that sets and verifies an HMAC-signed cookie
// for a page on another origin, and that page, a Vue client, on a second
// listener.
//
// Usage:
//
//	corscookie [flags]
//	corscookie keys new
//	corscookie keys rotate [-keys-file FILE]
//	corscookie check -origin PAGE-ORIGIN [flags] URL
//
// Every flag falls back to an environment variable: -api-addr to
// CORSCOOKIE_API_ADDR, and so on. Run "corscookie -help" for the list.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/corscookie/corscookie/session"
	"go.uber.org/zap/zapcore"
)

// Server limits. net/http reads 4 KiB past MaxHeaderBytes, so with
// maxHeaderBytes at 60 KiB a request whose headers pass 64 KiB gets 431.
// Shutdown waits shutdownTimeout for requests in flight, then closes what is
// left: connections that never sent a request count as busy until they are 5 s
// old.
const (
	maxHeaderBytes    = 64<<10 - 4096
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownTimeout   = 3 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	defer stop()

	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "keys":
			os.Exit(runKeys(os.Args[2:], os.Stdout, os.Stderr))
		case "check":
			os.Exit(runCheck(ctx, os.Args[2:], os.Stdout, os.Stderr))
		}
	}
	os.Exit(run(ctx, os.Args[1:], os.LookupEnv, os.Stderr))
}

// run starts corscookie and blocks until ctx is done. It returns the exit code:
// 2 for a refused setting, 1 for a failure while serving.
func run(ctx context.Context, args []string, lookupEnv lookupFunc,
	stderr io.Writer) int {
	cfg, err := parseConfig(args, lookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "corscookie: refusing to start:\n%v\n", err)
		return 2
	}
	out := newLogOutput(stderr)
	defer out.Stop()
	log := newLogger(cfg.logFormat, out)

	srv, err := newServers(cfg, lookupEnv, log)
	if err != nil {
		out.Sync() // the lines logged so far come before the refusal
		fmt.Fprintf(stderr, "corscookie: refusing to start:\n%v\n", err)
		return 2
	}
	if err := srv.serve(ctx); err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}

// lookupFunc looks up an environment variable, as [os.LookupEnv] does; tests
// pass their own.
type lookupFunc = func(string) (string, bool)

// logFlushInterval is the longest a log line waits in the buffer.
const logFlushInterval = 100 * time.Millisecond

// newLogOutput returns w behind a buffer that is written out when full and
// every logFlushInterval, so that the request log costs one write(2) per batch
// of lines, not one per request. Stop writes out the rest.
func newLogOutput(w io.Writer) *zapcore.BufferedWriteSyncer {
	// The io.Writer alone: the Sync of an *os.File would fsync on every
	// flush.
	ws := zapcore.AddSync(struct{ io.Writer }{w})
	return &zapcore.BufferedWriteSyncer{WS: ws, Size: 64 << 10,
		FlushInterval: logFlushInterval}
}

// newLogger returns the one logger of the process.
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// servers are the API and web listeners of one process.
type servers struct {
	api, web     *http.Server
	apiLn, webLn net.Listener
	cfg          config
	log          *slog.Logger
}

// newServers loads the keys, checks the policy and opens both listeners.
func newServers(cfg config, lookupEnv lookupFunc, log *slog.Logger) (
	*servers, error) {
	keys, err := loadKeys(cfg, lookupEnv, log)
	if err != nil {
		return nil, err
	}
	sessions, err := session.New(cfg.policy, keys)
	if err != nil {
		return nil, explainKeyError(err)
	}
	logPolicies(log, sessions.Policy(), cfg)

	if len(cfg.tlsSelfSigned) > 0 {
		cfg.tlsCert, cfg.tlsKey, err = selfSignedFiles(cfg.tlsSelfSigned, log)
		if err != nil {
			return nil, err
		}
	}

	s := &servers{cfg: cfg, log: log}
	cp := newCORSPolicy(cfg.origins, cfg.corsMaxAge, cfg.privateNetwork, log)
	s.api = newHTTPServer(newRouter(sessions, cp, cfg.trustedProxies, log), log)
	if s.apiLn, err = s.listen("-api-addr", cfg.apiAddr); err != nil {
		return nil, err
	}
	if cfg.webAddr != "" {
		s.web = newHTTPServer(newWebHandler(cfg.apiURL), log)
		if s.webLn, err = s.listen("-web-addr", cfg.webAddr); err != nil {
			s.apiLn.Close()
			return nil, err
		}
	}
	return s, nil
}

// logPolicies logs the cookie and CORS policies in force: public facts only,
// no keys.
func logPolicies(log *slog.Logger, p session.Policy, cfg config) {
	log.Info("cookie policy", "name", p.Name,
		"samesite", session.SameSiteName(p.SameSite), "secure", p.Secure,
		"httponly", true, "partitioned", p.Partitioned, "domain", p.Domain,
		"max_age", p.MaxAge.String())
	log.Info("cors policy", "origins", cfg.origins, "credentials", true,
		"max_age", cfg.corsMaxAge.String(),
		"private_network", cfg.privateNetwork)
}

// explainKeyError names the setting behind a key error from session.New.
func explainKeyError(err error) error {
	if errors.Is(err, session.ErrShortKey) ||
		errors.Is(err, session.ErrBlockKeySize) {
		return refuse("keys", err.Error(), keyFix)
	}
	return err
}

// newHTTPServer returns an http.Server with every timeout set.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// listen opens a listener, wrapped in TLS when a certificate is configured.
func (s *servers) listen(setting, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, refuse(setting, err.Error(),
			"choose a free address, or stop what uses it")
	}
	if s.cfg.tlsCert == "" {
		return ln, nil
	}

	cert, err := tls.LoadX509KeyPair(s.cfg.tlsCert, s.cfg.tlsKey)
	if err != nil {
		ln.Close()
		return nil, refuse("-tls-cert/-tls-key", err.Error(),
			"give a PEM certificate and its key")
	}
	conf := &tls.Config{Certificates: []tls.Certificate{cert}}
	return tls.NewListener(ln, conf), nil
}

// url is the address people open: the configured host name (localhost when
// none), not the address it resolved to, since origins compare host names; and
// the port the listener got.
func (s *servers) url(configured string, ln net.Listener) string {
	host, _, _ := net.SplitHostPort(hostPort(configured))
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return s.cfg.scheme() + "://" + net.JoinHostPort(host, port)
}

// serve runs both servers until ctx is done, then shuts them down gracefully.
func (s *servers) serve(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- s.api.Serve(s.apiLn) }()
	api := s.url(s.cfg.apiAddr, s.apiLn)
	if s.web != nil {
		go func() { errc <- s.web.Serve(s.webLn) }()
		s.log.Info("listening", "api", api,
			"web", s.url(s.cfg.webAddr, s.webLn), "api_url", s.cfg.apiURL)
	} else {
		s.log.Info("listening", "api", api)
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.log.Info("shutting down")

	shutdownCtx, cancel := context.WithTimeout(context.Background(),
		shutdownTimeout)
	defer cancel()
	errs := []error{err, s.shutdown(shutdownCtx, s.api)}
	if s.web != nil {
		errs = append(errs, s.shutdown(shutdownCtx, s.web))
	}
	return errors.Join(errs...)
}

// shutdown stops srv gracefully, and closes the connections still open when ctx
// ends.
func (s *servers) shutdown(ctx context.Context, srv *http.Server) error {
	err := srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("closing connections still open at shutdown",
			"after", shutdownTimeout)
		return srv.Close()
	}
	return err
}
