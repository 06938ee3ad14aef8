package nginx_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corscookie/corscookie/session"
)

// TestCookieAcrossInstances sets a cookie through nginx and reads it back many
// times: both instances answer, each verifies it, and each believes nginx's
// X-Forwarded-Proto. A cookie set on instance A directly verifies on instance B
// directly.
func TestCookieAcrossInstances(t *testing.T) {
	p := startPair(t, session.NewKey())
	c := p.proxy.jarClient(t)

	t.Run("through nginx", func(t *testing.T) {
		mustCall(t, c, http.MethodPost, p.proxy.url+"/set-cookie", nil, http.StatusOK)
		var first string
		for i := range 20 {
			got := mustCall(t, c, http.MethodGet, p.proxy.url+"/get-cookie", nil, http.StatusOK)
			if i == 0 {
				first = got.token
			}
			if got.token != first {
				t.Errorf("get %d: got token %q, want %q", i, got.token, first)
			}
		}

		// Round robin: 20 gets, at least a few on each instance, all over
		// HTTPS.
		for _, in := range []*instance{p.a, p.b} {
			lines := in.waitRequests("/get-cookie", 5)
			if len(lines) < 5 {
				t.Errorf("%s answered %d of 20 gets, want 5 or more", in.name, len(lines))
			}
			for _, l := range lines {
				if l.Status != http.StatusOK || l.Scheme != "https" {
					t.Errorf("%s logged status %d scheme %q, want 200 https", in.name, l.Status,
						l.Scheme)
				}
			}
		}
	})

	t.Run("set on A, get on B", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, p.a.url()+"/set-cookie", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cookies := res.Cookies()
		if len(cookies) != 1 {
			t.Fatalf("POST /set-cookie on A: got %d cookies, want 1", len(cookies))
		}

		// Sent by hand: a jar keeps a Secure cookie off plain HTTP.
		h := http.Header{"Cookie": {cookies[0].Name + "=" + cookies[0].Value}}
		mustCall(t, http.DefaultClient, http.MethodGet, p.b.url()+"/get-cookie", h, http.StatusOK)
	})
}

// TestRollingKeyRotation rotates from key K1 to K2 the way the README says, one
// instance at a time: add K2 second everywhere, make it first, then drop K1.
// Clients calling get-cookie all along keep their session: they store the
// cookie an instance re-issues under K2, so none of them ever gets 401.
func TestRollingKeyRotation(t *testing.T) {
	k1, k2 := session.NewKey(), session.NewKey()
	p := startPair(t, k1)

	// Each client sets its cookie under K1, then reads it until the rotation is
	// over.
	const clients = 4
	tokens := make([]string, clients)
	jars := make([]*http.Client, clients)
	for i := range clients {
		jars[i] = p.proxy.jarClient(t)
		mustCall(t, jars[i], http.MethodPost, p.proxy.url+"/set-cookie", nil, http.StatusOK)
		tokens[i] = mustCall(t, jars[i], http.MethodGet, p.proxy.url+"/get-cookie", nil,
			http.StatusOK).token
	}
	l := startLoad(t, clients, func(i int) error {
		got, err := call(jars[i], http.MethodGet, p.proxy.url+"/get-cookie", nil)
		switch {
		case err != nil:
			return err
		case got.status != http.StatusOK:
			return fmt.Errorf("client %d: got status %d, want 200", i, got.status)
		case got.token != tokens[i]:
			return fmt.Errorf("client %d: got token %q, want %q", i, got.token, tokens[i])
		}
		return nil
	})

	for _, keys := range []string{k1 + "," + k2, k2 + "," + k1, k2} {
		for _, in := range []*instance{p.a, p.b} {
			in.restart(t, keys)
			in.waitServing(t, "/get-cookie") // back in rotation: see deploy/nginx.conf
		}
	}
	l.stopAndCheck(t, p)

	// Every client now holds a cookie only K2 verifies: an instance with K1
	// alone refuses it.
	old := startInstance(t, "instance with K1 only", k1)
	c := jars[0].Jar.Cookies(mustParse(t, p.proxy.url))
	if len(c) != 1 {
		t.Fatalf("client 0 holds %d cookies, want 1", len(c))
	}
	h := http.Header{"Cookie": {c[0].Name + "=" + c[0].Value}}
	mustCall(t, http.DefaultClient, http.MethodGet, old.url()+"/get-cookie", h,
		http.StatusUnauthorized)
}

// TestRestartUnderLoad restarts instance A while workers call get-cookie
// through nginx: not one request fails. A stays down for a second, so nginx
// meets refused or reset connections and moves those requests to B.
func TestRestartUnderLoad(t *testing.T) {
	keys := session.NewKey()
	p := startPair(t, keys)
	c := p.proxy.jarClient(t)
	mustCall(t, c, http.MethodPost, p.proxy.url+"/set-cookie", nil, http.StatusOK)
	token := mustCall(t, c, http.MethodGet, p.proxy.url+"/get-cookie", nil, http.StatusOK).token

	l := startLoad(t, 8, func(int) error {
		got, err := call(c, http.MethodGet, p.proxy.url+"/get-cookie", nil)
		switch {
		case err != nil:
			return err
		case got.status != http.StatusOK || got.token != token:
			return fmt.Errorf("got status %d token %q, want 200 %q", got.status, got.token, token)
		}
		return nil
	})
	p.a.waitServing(t, "/get-cookie")
	p.a.stop(t)
	time.Sleep(time.Second)
	p.a.start(t, keys)
	p.a.waitServing(t, "/get-cookie")
	time.Sleep(500 * time.Millisecond)
	l.stopAndCheck(t, p)

	// A keep-alive connection that A closes on its way down may be the first
	// failure nginx meets; it then leaves A out for fail_timeout, and never
	// tries to connect while A is down.
	log := p.proxy.errorLog()
	if !strings.Contains(log, "Connection refused") &&
		!strings.Contains(log, "Connection reset by peer") &&
		!strings.Contains(log, "prematurely closed") {
		t.Errorf("nginx error.log has no failed connection to A, want some:\n%s", log)
	}
}

// TestForwardedProto checks that an instance believes X-Forwarded-Proto from a
// trusted proxy only: the request log's scheme field says which it believed.
// Without -trusted-proxy the line has no scheme field: it is the listener's.
func TestForwardedProto(t *testing.T) {
	tests := []struct {
		name    string
		trusted string // -trusted-proxy
		want    string
	}{
		{"no trusted proxy", "", ""},
		{"another proxy trusted", "10.9.9.9", "http"},
		{"loopback trusted", "127.0.0.1", "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			if tt.trusted != "" {
				args = []string{"-trusted-proxy", tt.trusted}
			}
			in := startInstance(t, "instance", session.NewKey(), args...)
			h := http.Header{"X-Forwarded-Proto": {"https"}}
			mustCall(t, http.DefaultClient, http.MethodGet, in.url()+"/healthz", h, http.StatusOK)

			lines := in.waitRequests("/healthz", 1)
			if len(lines) != 1 {
				t.Fatalf("request lines for /healthz: got %d, want 1\n%s", len(lines), in.stderr())
			}
			if lines[0].Scheme != tt.want {
				t.Errorf("scheme: got %q, want %q", lines[0].Scheme, tt.want)
			}
		})
	}
}

// load is workers calling a function in a loop, counting calls and failures.
type load struct {
	stop     chan struct{}
	wg       sync.WaitGroup
	calls    atomic.Int64
	mu       sync.Mutex
	failures []string
}

// startLoad starts n workers, each calling f(worker) until stopAndCheck.
func startLoad(t *testing.T, n int, f func(int) error) *load {
	t.Helper()
	l := &load{stop: make(chan struct{})}
	for i := range n {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				l.calls.Add(1)
				if err := f(i); err != nil {
					l.mu.Lock()
					l.failures = append(l.failures, time.Now().Format("15:04:05.000 ")+err.Error())
					l.mu.Unlock()
				}
			}
		})
	}
	return l
}

// stopAndCheck stops the workers and wants no failure and a fair number of
// calls.
func (l *load) stopAndCheck(t *testing.T, p *pair) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	calls := l.calls.Load()
	t.Logf("%d calls, %d failed", calls, len(l.failures))
	if len(l.failures) > 0 {
		t.Errorf("%d of %d calls failed, want none; first ones:\n%s\n%s", len(l.failures), calls,
			strings.Join(l.failures[:min(len(l.failures), 10)], "\n"), p.logs())
	}
	if calls < 100 {
		t.Errorf("%d calls, want 100 or more", calls)
	}
}

// mustParse parses a URL the test made.
func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
