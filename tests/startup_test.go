package tests

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corscookie/corscookie/session"
)

// b64 returns base64url of n random bytes.
func b64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestStartupRefused runs corscookie with settings browsers would not honour or
// that are unsafe: it exits 2 at once, naming the setting and saying how to fix
// it.
func TestStartupRefused(t *testing.T) {
	t.Parallel()
	origins := func(o string) []string { return []string{"-origins", o} }
	keys := func(k string) []string { return []string{"CORSCOOKIE_KEYS=" + k} }

	tests := []struct {
		name     string
		args     []string
		env      []string
		keysMode os.FileMode // when set, a valid key file of this mode
		want     []string    // parts of stderr: the setting, the problem, the fix
	}{
		{"origin null", origins("null"), nil, 0,
			[]string{"-origins", "sandboxed", "scheme://host[:port]"}},
		{"origin path", origins("http://localhost:8080/path"), nil, 0,
			[]string{"-origins", "a path is not part of an origin", "remove /path"}},
		{"origin no scheme", origins("localhost:8080"), nil, 0,
			[]string{"-origins", "missing scheme", "write http:// or https://"}},
		{"origin query", origins("http://a.test?x=1"), nil, 0,
			[]string{"-origins", "a query or fragment", "remove it"}},
		{"origin user", origins("http://user@a.test"), nil, 0,
			[]string{"-origins", "user info", "remove the part before @"}},
		{"origin ftp", origins("ftp://a.test"), nil, 0,
			[]string{"-origins", "not http or https", "scheme://host[:port]"}},
		{"origin star", origins("*"), nil, 0,
			[]string{"-origins", "wildcards", "list the origins instead"}},
		{"origin wildcard host", origins("http://*.a.test"), nil, 0,
			[]string{"-origins", "wildcards", "list the origins instead"}},
		{"origin empty entry", origins("http://a.test,"), nil, 0,
			[]string{"-origins", "empty origin", "remove the empty entry"}},
		{"origin upper case", origins("http://A.test"), nil, 0,
			[]string{"-origins", "lower case", "write it in lower case"}},
		{"origin default port", origins("http://a.test:80"), nil, 0,
			[]string{"-origins", "default port", "remove :80"}},
		{"samesite none", []string{"-samesite", "none"}, nil, 0,
			[]string{"-samesite none", "Secure", "add -secure"}},
		{"partitioned", []string{"-partitioned"}, nil, 0,
			[]string{"-partitioned", "Secure", "add -secure"}},
		{"host prefix", []string{"-cookie-name", "__Host-x"}, nil, 0,
			[]string{"-cookie-name", "__Host-", "add -secure"}},
		{"host prefix domain", []string{"-cookie-name", "__Host-x", "-secure",
			"-cookie-domain", "a.test"}, nil, 0,
			[]string{"-cookie-name", "__Host-", "remove -cookie-domain"}},
		{"max-age fraction", []string{"-max-age", "1500ms"}, nil, 0,
			[]string{"-max-age", "1.5s is not whole seconds", "such as 1h"}},
		{"api-url without scheme", []string{"-api-url", "localhost:5003"}, nil, 0,
			[]string{"-api-url", "not an http or https URL", "e.g. https://api.example.com"}},
		{"env bool", nil, []string{"CORSCOOKIE_SECURE=yes"}, 0,
			[]string{"CORSCOOKIE_SECURE", `"yes" is not valid`, "use true or false"}},
		{"env duration", nil, []string{"CORSCOOKIE_MAX_AGE=forever"}, 0,
			[]string{"CORSCOOKIE_MAX_AGE", `"forever" is not valid`, "such as 90s"}},
		{"cookie name too long", []string{"-cookie-name", strings.Repeat("n", 4000)}, nil, 0,
			[]string{"-cookie-name", "longer than 256 bytes", "use a shorter name"}},
		{"secure prefix", []string{"-cookie-name", "__Secure-x"}, nil, 0,
			[]string{"-cookie-name", "__Secure-", "add -secure"}},
		{"samesite bogus", []string{"-samesite", "bogus"}, nil, 0,
			[]string{"-samesite", `"bogus"`, "use lax, strict or none"}},
		{"max-age 0", []string{"-max-age", "0"}, nil, 0,
			[]string{"-max-age", "is not whole seconds from 1s to 400 days", "such as 1h"}},
		{"max-age negative", []string{"-max-age", "-1s"}, nil, 0,
			[]string{"-max-age", "is not whole seconds from 1s to 400 days", "such as 1h"}},
		{"max-age too long", []string{"-max-age", "10000h"}, nil, 0,
			[]string{"-max-age", "is not whole seconds from 1s to 400 days", "such as 1h"}},
		{"cors-max-age negative", []string{"-cors-max-age", "-1s"}, nil, 0,
			[]string{"-cors-max-age", "is not whole seconds from 0 to 24h", "0 turns"}},
		{"cors-max-age 25h", []string{"-cors-max-age", "25h"}, nil, 0,
			[]string{"-cors-max-age", "is not whole seconds from 0 to 24h", "0 turns"}},
		{"tls-cert alone", []string{"-tls-cert", "cert.pem"}, nil, 0,
			[]string{"-tls-cert/-tls-key", "only one", "set both"}},
		{"keys env empty", nil, keys(""), 0,
			[]string{"CORSCOOKIE_KEYS", "set but empty", "unset it"}},
		{"keys env blank", nil, keys("  "), 0,
			[]string{"CORSCOOKIE_KEYS", "set but empty", "unset it"}},
		{"keys env 16 bytes", nil, keys(b64(16)), 0,
			[]string{"CORSCOOKIE_KEYS", "shorter than 32 bytes", "32+ bytes"}},
		{"keys env bad base64", nil, keys("!!!not*base64!!!"), 0,
			[]string{"CORSCOOKIE_KEYS", "not valid base64", "32+ bytes"}},
		{"keys env AES 20 bytes", nil, keys(b64(32) + ":" + b64(20)), 0,
			[]string{"CORSCOOKIE_KEYS", "block key is not 16, 24 or 32 bytes", "16, 24 or 32"}},
		{"key file 0644", nil, nil, 0o644,
			[]string{"-keys-file", "open to other users", "chmod 600"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var res exitResult
			if tt.keysMode != 0 {
				path := writeKeysFile(t, tt.keysMode, session.NewKey())
				res = runToExitWithKeys(t, path, tt.env, tt.args)
			} else {
				res = runToExit(t, tt.env, tt.args)
			}

			if res.code != 2 {
				t.Fatalf("exit code: got %d, want 2; stderr:\n%s", res.code, res.stderr)
			}
			for _, w := range append([]string{"refusing to start"}, tt.want...) {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr: got %q, want it to contain %q", res.stderr, w)
				}
			}
		})
	}
}

// TestSameSiteNoneSecure starts with -samesite none -secure and checks the
// cookie.
func TestSameSiteNoneSecure(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverConfig{args: []string{"-samesite", "none", "-secure"}})
	c := oneSetCookie(t, do(t, rawClient, "GET", s.URL+"/set-cookie", fromOrigin(allowedOrigin)))

	if got := c.attrs["samesite"]; got != "None" {
		t.Errorf("SameSite: got %q, want None", got)
	}
	if _, ok := c.attrs["secure"]; !ok {
		t.Errorf("Set-Cookie %q: want Secure", c.raw)
	}
}

// TestKeysEnvWinsOverFile sets CORSCOOKIE_KEYS and -keys-file: the environment
// wins, the file is not created, and the key is not logged.
func TestKeysEnvWinsOverFile(t *testing.T) {
	t.Parallel()
	key := session.NewKey()
	keysFile := filepath.Join(t.TempDir(), "keys")
	s := startServer(t, serverConfig{keysFile: keysFile, env: []string{"CORSCOOKIE_KEYS=" + key}})
	readToken(t, s, issue(t, s))

	l, ok := s.waitLog(t, func(l logLine) bool { return l.str("msg") == "keys loaded" })
	if !ok {
		t.Fatalf("no \"keys loaded\" log line; stderr:\n%s", s.Stderr())
	}
	if got := l.str("source"); got != "env" {
		t.Errorf("keys loaded source: got %q, want env", got)
	}
	if _, err := os.Stat(keysFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat key file: got %v, want it not to exist", err)
	}
	if strings.Contains(s.Stderr(), key) {
		t.Errorf("stderr holds the key %q:\n%s", key, s.Stderr())
	}
}

// TestNewKeyFile starts with a key file that does not exist: corscookie creates
// it with mode 0600, and the key in it is not logged.
func TestNewKeyFile(t *testing.T) {
	t.Parallel()
	keysFile := filepath.Join(t.TempDir(), "conf", "keys")
	s := startServer(t, serverConfig{keysFile: keysFile})
	readToken(t, s, issue(t, s))

	info, err := os.Stat(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode: got %04o, want 0600", got)
	}
	data, err := os.ReadFile(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(data))
	if len(key) < 43 {
		t.Fatalf("key file: got %q, want one base64 key of 32+ bytes", key)
	}
	if strings.Contains(s.Stderr(), key) {
		t.Errorf("stderr holds the key %q:\n%s", key, s.Stderr())
	}
	if _, ok := s.waitLog(t, func(l logLine) bool {
		return l.str("msg") == "keys loaded" && l.str("source") == "file"
	}); !ok {
		t.Errorf("no \"keys loaded\" line with source file; stderr:\n%s", s.Stderr())
	}
}

// TestKeysNewCommand runs the command that every key error recommends,
// 'corscookie keys new': it should print a key that CORSCOOKIE_KEYS accepts.
func TestKeysNewCommand(t *testing.T) {
	t.Parallel()
	res := runToExitStdout(t, "keys", "new")
	if res.code != 0 {
		t.Fatalf("corscookie keys new: got exit code %d, want 0; stderr:\n%s",
			res.code, res.stderr)
	}

	key := strings.TrimSpace(res.stdout)
	s := startServer(t, serverConfig{env: []string{"CORSCOOKIE_KEYS=" + key}})
	if r := do(t, rawClient, "GET", s.URL+"/set-cookie", nil); r.status != http.StatusOK {
		t.Errorf("GET /set-cookie with the new key: got status %d, want 200", r.status)
	}
}
