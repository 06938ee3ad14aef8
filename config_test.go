package main

import (
	"strings"
	"testing"
	"time"
)

// env returns a lookupEnv that sees only vars.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func TestCheckOrigin(t *testing.T) {
	tests := []struct {
		origin string
		want   string // part of the message; "" when the origin is accepted
	}{
		{"http://localhost:8080", ""},
		{"https://app.example.com", ""},
		{"http://[::1]:8080", ""},
		{"", "empty origin"},
		{"null", "sandboxed"},
		{"*", "wildcards are not offered"},
		{"https://*.example.com", "list the origins instead"},
		{"localhost:8080", "missing scheme"},
		{"ftp://example.com", "not http or https"},
		{"http://user@example.com", "user info"},
		{"http://example.com?q=1", "query"},
		{"http://example.com#top", "fragment"},
		{"http://example.com/", "remove /"},
		{"http://example.com/app", "path"},
		{"http://", "missing host"},
		{"http://Example.com", "lower case"},
		{"http://example.com:80", "remove :80"},
		{"https://example.com:443", "remove :443"},
		{"http://example.com:0", "port"},
		{"http://example.com:", "empty port"},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			err := checkOrigin(tt.origin)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			case err != nil && !strings.HasPrefix(err.Error(), "-origins: "):
				t.Errorf("got %v, want it to name -origins", err)
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}

	got := []string{cfg.apiAddr, cfg.webAddr, cfg.apiURL, strings.Join(cfg.origins, ","),
		cfg.policy.Name, cfg.policy.MaxAge.String(), cfg.corsMaxAge.String()}
	want := []string{"localhost:5000", "localhost:8080", "http://localhost:5000",
		"http://localhost:8080", "user_token", "24h0m0s", "10m0s"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseConfigEnvFallback(t *testing.T) {
	vars := map[string]string{
		"CORSCOOKIE_API_ADDR":     "127.0.0.1:6000",
		"CORSCOOKIE_CORS_MAX_AGE": "0s",
		"CORSCOOKIE_WEB_ADDR":     "127.0.0.1:7000",
	}
	cfg, err := parseConfig([]string{"-api-addr", "127.0.0.1:6001"}, env(vars))
	if err != nil {
		t.Fatal(err)
	}

	if cfg.apiAddr != "127.0.0.1:6001" {
		t.Errorf("api-addr: got %q, want the flag's 127.0.0.1:6001", cfg.apiAddr)
	}
	if cfg.corsMaxAge != 0 {
		t.Errorf("cors-max-age: got %s, want 0s from the environment", cfg.corsMaxAge)
	}
	if o := cfg.origins[0]; o != "http://127.0.0.1:7000" {
		t.Errorf("origins: got %q, want the web origin http://127.0.0.1:7000", o)
	}
}

func TestParseConfigRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"SameSite None without Secure", []string{"-samesite", "none"}, nil, "-samesite none"},
		{"Partitioned without Secure", []string{"-partitioned"}, nil, "-partitioned"},
		{"__Host- without Secure", []string{"-cookie-name", "__Host-t"}, nil, "-cookie-name"},
		{"bad SameSite", []string{"-samesite", "sometimes"}, nil, "-samesite"},
		{"zero max-age", []string{"-max-age", "0"}, nil, "-max-age"},
		{"cors-max-age over a day", []string{"-cors-max-age", "25h"}, nil, "-cors-max-age"},
		{"cors-max-age negative", []string{"-cors-max-age", "-1s"}, nil, "-cors-max-age"},
		{"cert without key", []string{"-tls-cert", "c.pem"}, nil, "-tls-key"},
		{"bad env value", nil, map[string]string{"CORSCOOKIE_SECURE": "maybe"},
			"CORSCOOKIE_SECURE"},
		{"wildcard origin", []string{"-origins", "https://*.a.test"}, nil, "list the origins"},
		{"stray argument", []string{"extra"}, nil, "unexpected argument"},
		{"self-signed path", []string{"-tls-self-signed", "../../etc/x"}, nil,
			"not a host name or IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, env(tt.vars))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func TestParseConfigAcceptsSecureNone(t *testing.T) {
	args := []string{"-samesite", "none", "-secure", "-partitioned", "-max-age", "1h"}
	cfg, err := parseConfig(args, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.policy.MaxAge != time.Hour || !cfg.policy.Partitioned {
		t.Errorf("got %+v, want a partitioned policy of 1h", cfg.policy)
	}
}
