// Package nginx_test runs Debian's nginx, configured by deploy/nginx.conf, in
// front of two corscookie processes on loopback ports, and checks what several
// instances promise: a cookie set through one verifies on the other, a rolling
// key rotation logs nobody out, a restart loses no request, and
// X-Forwarded-Proto counts from a trusted proxy only.
//
// TestMain builds the binary once (or takes CORSCOOKIE_BIN). nginx is
// NGINX_BIN, or /usr/sbin/nginx; without it the tests are skipped (.ci/run
// installs it).
package nginx_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corscookie/corscookie/tests/testbin"
)

// stopTimeout is how long a process may take to exit after SIGTERM.
const stopTimeout = 5 * time.Second

// failTimeout is fail_timeout in deploy/nginx.conf: how long nginx leaves out
// an instance that refused a connection.
const failTimeout = 2 * time.Second

// binPath is the corscookie binary under test.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(testbin.Run(m, "../..", &binPath))
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// instance is one corscookie API on a fixed loopback port, which may be
// restarted with other keys. Its logs are kept across restarts.
type instance struct {
	name string
	port int
	args []string // extra flags

	mu   sync.Mutex
	past string           // stderr of the processes before the current one
	proc *testbin.Process // the current process
}

// startInstance starts corscookie with the keys and flags, and stops it when
// the test ends.
func startInstance(t *testing.T, name, keys string, args ...string) *instance {
	t.Helper()
	in := &instance{name: name, port: freePort(t), args: args}
	in.start(t, keys)
	t.Cleanup(func() { in.stop(t) })
	return in
}

// url is the instance's own address, without nginx.
func (in *instance) url() string {
	return fmt.Sprintf("http://127.0.0.1:%d", in.port)
}

// start runs the process and waits for its "listening" line.
func (in *instance) start(t *testing.T, keys string) {
	t.Helper()
	home := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", in.port)
	args := append([]string{"-api-addr", addr, "-web-addr", "",
		"-log-format", "json"}, in.args...)
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home,
		"CORSCOOKIE_KEYS=" + keys}
	proc, err := testbin.Start(binPath, args, env)
	if err != nil {
		t.Fatalf("%s: %v", in.name, err)
	}

	in.mu.Lock()
	defer in.mu.Unlock()
	if in.proc != nil {
		in.past += in.proc.Stderr()
	}
	in.proc = proc
}

// current returns the current process.
func (in *instance) current() *testbin.Process {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.proc
}

// stop sends SIGTERM and wants exit status 0 within stopTimeout. Stopping a
// stopped instance does nothing.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	proc := in.current()
	select {
	case <-proc.Done():
		return
	default:
	}

	exited, _, err := proc.Terminate(stopTimeout)
	switch {
	case !exited:
		t.Errorf("%s: still running %v after SIGTERM, want a graceful exit",
			in.name, stopTimeout)
	case err != nil:
		t.Errorf("%s: exit after SIGTERM: got %v, want exit status 0", in.name, err)
	}
}

// restart stops the instance and starts it again on its port with the keys.
func (in *instance) restart(t *testing.T, keys string) {
	t.Helper()
	in.stop(t)
	in.start(t, keys)
}

// waitServing waits until the current process has answered a request for path,
// which through nginx means nginx has it back in rotation. Something must be
// sending requests.
func (in *instance) waitServing(t *testing.T, path string) {
	t.Helper()
	// nginx counts fail_timeout in whole seconds: an instance may be left out
	// up to 1 s more.
	deadline := time.Now().Add(failTimeout + 3*time.Second)
	for len(in.requestsSinceStart(path)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s answered no %s since its restart", in.name, path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// requestsSinceStart returns the request log lines for path of the current
// process.
func (in *instance) requestsSinceStart(path string) []requestLine {
	return requestLines(in.current().Stderr(), path)
}

// stderr returns everything the instance has written to stderr, across
// restarts.
func (in *instance) stderr() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.past + in.proc.Stderr()
}

// requestLine is the part of a request log line the tests read.
type requestLine struct {
	Msg, Method, Path, Scheme string
	Status                    int
}

// requests returns the request log lines for path written so far.
func (in *instance) requests(path string) []requestLine {
	return requestLines(in.stderr(), path)
}

// requestLines returns the request log lines for path in logs.
func requestLines(logs, path string) []requestLine {
	var out []requestLine
	for raw := range strings.Lines(logs) {
		var l requestLine
		if json.Unmarshal([]byte(raw), &l) == nil && l.Msg == "request" && l.Path == path {
			out = append(out, l)
		}
	}
	return out
}

// waitRequests waits up to 3 s for n request lines for path: lines are written
// after the response, and read asynchronously.
func (in *instance) waitRequests(path string, n int) []requestLine {
	deadline := time.Now().Add(3 * time.Second)
	for {
		lines := in.requests(path)
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxy is an nginx master process serving deploy/nginx.conf over HTTPS.
type proxy struct {
	url    string // https://127.0.0.1:PORT
	dir    string
	client *http.Client // trusts the proxy's certificate; no cookie jar
	roots  *x509.CertPool
	cmd    *exec.Cmd
	done   chan struct{}
}

// nginxBin returns the nginx binary, skipping the test when there is none.
func nginxBin(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("NGINX_BIN"); bin != "" {
		return bin
	}
	if bin, err := exec.LookPath("nginx"); err == nil {
		return bin
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	t.Skip("nginx not installed (apt-get install nginx, or set NGINX_BIN)")
	return ""
}

// startProxy runs nginx in front of the instances, every file of it in
// t.TempDir(), and stops it with SIGQUIT (graceful) when the test ends.
func startProxy(t *testing.T, a, b *instance) *proxy {
	t.Helper()
	bin := nginxBin(t)
	p := &proxy{dir: t.TempDir(), done: make(chan struct{})}
	port := freePort(t)
	p.url = fmt.Sprintf("https://127.0.0.1:%d", port)
	certFile, keyFile := p.writeCert(t)
	p.writeConfig(t, port, certFile, keyFile, a.port, b.port)

	p.cmd = exec.Command(bin, "-p", p.dir, "-e", filepath.Join(p.dir, "error.log"),
		"-c", filepath.Join(p.dir, "nginx.conf"), "-g", "daemon off;")
	var out bytes.Buffer
	p.cmd.Stdout, p.cmd.Stderr = &out, &out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t) })

	p.client = &http.Client{Timeout: 10 * time.Second, Transport: p.transport()}
	deadline := time.Now().Add(testbin.StartTimeout)
	for {
		res, err := p.client.Get(p.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("nginx exited: %s\nerror.log:\n%s", out.String(), p.errorLog())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx not answering /healthz after %v (%v)\nerror.log:\n%s",
				testbin.StartTimeout, err, p.errorLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeCert makes a self-signed certificate for 127.0.0.1 and the pool that
// trusts it.
func (p *proxy) writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "corscookie nginx test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:         true,
		// A CA that signs itself, so the client can trust it as a root.
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}

	p.roots = x509.NewCertPool()
	p.roots.AddCert(cert)
	certFile = filepath.Join(p.dir, "proxy.crt")
	keyFile = filepath.Join(p.dir, "proxy.key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}

// writePEM writes one PEM block to a file only its owner can read.
func writePEM(t *testing.T, path, blockType string, der []byte) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeConfig writes nginx.conf, which keeps every file of nginx in p.dir and
// includes deploy/nginx.conf with its placeholders replaced.
func (p *proxy) writeConfig(t *testing.T, port int, certFile, keyFile string, a, b int) {
	t.Helper()
	example, err := os.ReadFile("../../deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	site := string(example)
	if !strings.Contains(site, fmt.Sprintf("fail_timeout=%ds", int(failTimeout.Seconds()))) {
		t.Fatalf("deploy/nginx.conf: fail_timeout is not %v, as failTimeout says", failTimeout)
	}
	for _, r := range []struct{ placeholder, value string }{
		{"listen 443 ssl;", fmt.Sprintf("listen 127.0.0.1:%d ssl;", port)},
		{"/etc/ssl/certs/api.example.com.pem", certFile},
		{"/etc/ssl/private/api.example.com.key", keyFile},
		{"127.0.0.1:5001", fmt.Sprintf("127.0.0.1:%d", a)},
		{"127.0.0.1:5002", fmt.Sprintf("127.0.0.1:%d", b)},
	} {
		if n := strings.Count(site, r.placeholder); n != 1 {
			t.Fatalf("deploy/nginx.conf: %q appears %d times, want 1", r.placeholder, n)
		}
		site = strings.Replace(site, r.placeholder, r.value, 1)
	}

	main := strings.ReplaceAll(`worker_processes 1;
pid DIR/nginx.pid;
events { worker_connections 512; }
http {
    access_log DIR/access.log;
    client_body_temp_path DIR/client_body;
    proxy_temp_path DIR/proxy;
    fastcgi_temp_path DIR/fastcgi;
    uwsgi_temp_path DIR/uwsgi;
    scgi_temp_path DIR/scgi;
    include DIR/corscookie.conf;
}
`, "DIR", p.dir)
	for name, text := range map[string]string{"corscookie.conf": site, "nginx.conf": main} {
		if err := os.WriteFile(filepath.Join(p.dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// transport trusts the proxy's certificate and keeps no connection alive, so
// each request is a new connection through nginx.
func (p *proxy) transport() *http.Transport {
	return &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: p.roots},
		DisableKeepAlives: true,
	}
}

// jarClient returns a client that trusts the proxy and keeps cookies, re-issued
// ones too.
func (p *proxy) jarClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: p.transport()}
}

// stop sends SIGQUIT, nginx's graceful shutdown, to the master process.
func (p *proxy) stop(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("nginx still running %v after SIGQUIT", stopTimeout)
	}
}

// errorLog returns nginx's error log.
func (p *proxy) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "error.log"))
	return string(b)
}

// pair is two instances with the same keys behind one nginx.
type pair struct {
	a, b  *instance
	proxy *proxy
}

// startPair starts the instances as deploy/nginx.conf says, then nginx.
func startPair(t *testing.T, keys string) *pair {
	t.Helper()
	args := []string{"-secure", "-trusted-proxy", "127.0.0.1"}
	a := startInstance(t, "instance A", keys, args...)
	b := startInstance(t, "instance B", keys, args...)
	return &pair{a: a, b: b, proxy: startProxy(t, a, b)}
}

// logs returns the last lines of both instances' logs and of nginx's error log,
// for failure messages.
func (p *pair) logs() string {
	return fmt.Sprintf("instance A, last lines:\n%s\ninstance B, last lines:\n%s\n"+
		"nginx error.log, last lines:\n%s", tail(p.a.stderr()), tail(p.b.stderr()),
		tail(p.proxy.errorLog()))
}

// tail returns the last 20 lines of s.
func tail(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// answer is one response: the status and the token, when there is one.
type answer struct {
	status int
	token  string
}

// call sends one request without a body and decodes the JSON answer.
func call(c *http.Client, method, url string, h http.Header) (answer, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return answer{}, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()

	var body struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return answer{}, fmt.Errorf("%s %s: %d with a body that is not JSON: %w",
			method, url, res.StatusCode, err)
	}
	return answer{res.StatusCode, body.Token}, nil
}

// mustCall is call that fails the test on a transport error or an unexpected
// status.
func mustCall(t *testing.T, c *http.Client, method, url string, h http.Header,
	want int) answer {
	t.Helper()
	got, err := call(c, method, url, h)
	if err != nil {
		t.Fatal(err)
	}
	if got.status != want {
		t.Fatalf("%s %s: got status %d, want %d", method, url, got.status, want)
	}
	return got
}
