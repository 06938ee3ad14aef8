package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/corscookie/corscookie/session"
)

// envPrefix starts the environment variable that stands in for each flag:
// -api-addr falls back to CORSCOOKIE_API_ADDR.
const envPrefix = "CORSCOOKIE_"

// maxCORSMaxAge is the longest preflight cache accepted; Firefox caps it there
// too.
const maxCORSMaxAge = 24 * time.Hour

// config is everything the command line and the environment decide.
type config struct {
	apiAddr        string
	webAddr        string
	apiURL         string
	origins        []string
	policy         session.Policy
	corsMaxAge     time.Duration
	privateNetwork bool
	keysFile       string
	tlsCert        string
	tlsKey         string
	tlsSelfSigned  []string
	trustedProxies []netip.Prefix
	logFormat      string
}

// configError is a refused setting: what is wrong with it and how to fix it.
type configError struct {
	setting string
	problem string
	fix     string
}

func (e *configError) Error() string {
	return fmt.Sprintf("%s: %s; %s", e.setting, e.problem, e.fix)
}

// refuse returns a configError.
func refuse(setting, problem, fix string) error {
	return &configError{setting, problem, fix}
}

// rawFlags are the flags that finish turns into settings of config.
type rawFlags struct {
	origins, sameSite, selfSigned, proxies string
}

// parseConfig reads flags from args, each falling back to its CORSCOOKIE_
// variable, and checks every setting. The error joins one line per refused
// setting.
func parseConfig(args []string, lookupEnv lookupFunc) (config, error) {
	var cfg config
	var raw rawFlags
	fs := newFlagSet(&cfg, &raw)

	if err := setFromEnv(fs, lookupEnv); err != nil {
		return cfg, err
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	return cfg, cfg.finish(raw)
}

// usage is the head of "corscookie -help", before the flags.
const usage = `usage: corscookie [flags]
       corscookie keys new | keys rotate [-keys-file FILE]
       corscookie check -origin ORIGIN [flags] URL

Each flag falls back to CORSCOOKIE_ and its name in upper case, - as _ ` +
	`(-api-addr: CORSCOOKIE_API_ADDR).
CORSCOOKIE_KEYS holds the keys themselves.

`

// newFlagSet defines every flag of the server, writing into cfg and raw.
func newFlagSet(cfg *config, raw *rawFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("corscookie", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}

	fs.StringVar(&cfg.apiAddr, "api-addr", "localhost:5000",
		"API listen address")
	fs.StringVar(&cfg.webAddr, "web-addr", "localhost:8080",
		"web page listen address; empty turns the page off")
	fs.StringVar(&cfg.apiURL, "api-url", "",
		"API URL the page calls (default: from -api-addr)")
	fs.StringVar(&raw.origins, "origins", "",
		"comma-separated allowed origins "+
			"(default: the web origin, http://localhost:8080)")

	defineCookieFlags(fs, &cfg.policy, raw)

	fs.DurationVar(&cfg.corsMaxAge, "cors-max-age", 10*time.Minute,
		"how long browsers may cache a preflight; "+
			"0 sends Access-Control-Max-Age: 0")
	fs.BoolVar(&cfg.privateNetwork, "allow-private-network", false,
		"answer Private Network Access preflights")
	fs.StringVar(&cfg.keysFile, "keys-file", "",
		"key file (default: "+defaultKeysFileHint+")")

	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&raw.selfSigned, "tls-self-signed", "",
		"comma-separated host names: serve HTTPS with a self-signed "+
			"certificate for them, made on first use")
	fs.StringVar(&raw.proxies, "trusted-proxy", "",
		"comma-separated proxy addresses or CIDRs "+
			"whose X-Forwarded-Proto is believed")
	fs.StringVar(&cfg.logFormat, "log-format", "text",
		"log format: text or json")
	return fs
}

// defineCookieFlags defines the flags of the cookie policy p.
func defineCookieFlags(fs *flag.FlagSet, p *session.Policy, raw *rawFlags) {
	fs.StringVar(&p.Name, "cookie-name", session.DefaultName, "cookie name")
	fs.StringVar(&p.Domain, "cookie-domain", "", "cookie Domain attribute")
	fs.StringVar(&raw.sameSite, "samesite", "lax",
		"cookie SameSite: lax, strict or none")
	fs.BoolVar(&p.Secure, "secure", false, "mark the cookie Secure")
	fs.BoolVar(&p.Partitioned, "partitioned", false,
		"mark the cookie Partitioned (CHIPS)")
	fs.DurationVar(&p.MaxAge, "max-age", session.DefaultMaxAge,
		"cookie Max-Age and signed lifetime")
}

// setFromEnv sets each flag whose CORSCOOKIE_ variable is present; flags given
// on the command line are parsed afterwards and win.
func setFromEnv(fs *flag.FlagSet, lookupEnv lookupFunc) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v, ok := lookupEnv(name); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, refuse(name,
					strconv.Quote(v)+" is not valid", valueHint(f)))
			}
		}
	})
	return errors.Join(errs...)
}

// valueHint says what a flag's value looks like.
func valueHint(f *flag.Flag) string {
	switch f.Value.(flag.Getter).Get().(type) {
	case bool:
		return "use true or false"
	case time.Duration:
		return "use a duration such as 90s, 10m or 24h"
	}
	return "see corscookie -help"
}

// envName returns the environment variable of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// finish fills in derived settings and checks every one of them.
func (cfg *config) finish(raw rawFlags) error {
	var errs []error
	var err error
	cfg.tlsSelfSigned = splitList(raw.selfSigned)
	if cfg.trustedProxies, err = parseProxies(raw.proxies); err != nil {
		errs = append(errs, err)
	}
	cfg.policy.SameSite, err = session.ParseSameSite(raw.sameSite)
	if err != nil {
		errs = append(errs, refuse("-samesite",
			strconv.Quote(raw.sameSite)+" is not a SameSite value",
			"use lax, strict or none"))
	}

	errs = append(errs, cfg.setOrigins(raw.origins))
	if cfg.apiURL == "" {
		cfg.apiURL = cfg.scheme() + "://" + hostPort(cfg.apiAddr)
	}
	errs = append(errs, checkAPIURL(cfg.apiURL))

	errs = append(errs, cfg.checkDurations(), cfg.checkTLS(),
		cfg.checkLogFormat(), checkPolicy(cfg.policy))
	return errors.Join(errs...)
}

// setOrigins checks and keeps the allowed origins: the list given, or else the
// page's own origin.
func (cfg *config) setOrigins(list string) error {
	if list == "" {
		list = cfg.webOrigin()
		if strings.HasSuffix(list, ":0") {
			return refuse("-origins", "not set, and -web-addr picks its "+
				"port at start-up, so the page's origin is unknown",
				"give -web-addr a port, or set -origins")
		}
	}

	var errs []error
	seen := map[string]bool{}
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if seen[o] {
			continue // one message for an origin, however often it is listed
		}
		seen[o] = true
		cfg.origins = append(cfg.origins, o)
		errs = append(errs, checkOrigin(o))
	}
	return errors.Join(errs...)
}

// webOrigin is the origin of the page served on -web-addr, or the default
// http://localhost:8080 when the page is off.
func (cfg *config) webOrigin() string {
	if cfg.webAddr == "" {
		return "http://localhost:8080"
	}
	return cfg.scheme() + "://" + hostPort(cfg.webAddr)
}

// scheme is https when corscookie serves TLS itself.
func (cfg *config) scheme() string {
	if cfg.tlsCert != "" || len(cfg.tlsSelfSigned) > 0 {
		return "https"
	}
	return "http"
}

// hostPort turns a listen address into one a browser can call: an empty or
// unspecified host becomes localhost.
func hostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// checkOrigin refuses anything but a lower-case scheme://host[:port] with http
// or https.
func checkOrigin(o string) error {
	const fix = "list each origin as scheme://host[:port], " +
		"e.g. https://app.example.com"
	bad := func(problem, fix string) error { return badOrigin(o, problem, fix) }

	switch {
	case o == "":
		return refuse("-origins", "empty origin",
			"remove the empty entry or set one origin")
	case o == "null":
		return bad("null is the origin of sandboxed frames and local "+
			"files, which any page can create", fix)
	case strings.Contains(o, "*"):
		return bad("wildcards are not offered",
			"list the origins instead: "+fix)
	case !strings.Contains(o, "://"):
		return bad("missing scheme", "write http:// or https:// in front")
	}

	u, err := url.Parse(o)
	switch {
	case err != nil:
		return bad("not a URL", fix)
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("scheme is not http or https", fix)
	case u.User != nil:
		return bad("user info is not part of an origin",
			"remove the part before @")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
		strings.Contains(o, "#"):
		return bad("a query or fragment is not part of an origin",
			"remove it")
	case u.Path != "":
		return bad("a path is not part of an origin",
			"remove "+u.Path+" (a trailing slash too)")
	case u.Hostname() == "":
		return bad("missing host", fix)
	case o != strings.ToLower(o):
		return bad("browsers send origins in lower case",
			"write it in lower case")
	}
	return checkPort(o, u)
}

// checkAPIURL wants an http or https URL with a host: the page calls it as it
// is.
func checkAPIURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" ||
		u.Host == "" {
		return refuse("-api-url",
			strconv.Quote(s)+" is not an http or https URL",
			"write it as the page should call the API, "+
				"e.g. https://api.example.com")
	}
	return nil
}

// badOrigin refuses the origin o, quoting it.
func badOrigin(o, problem, fix string) error {
	return refuse("-origins", strconv.Quote(o)+": "+problem, fix)
}

// checkPort refuses a port browsers would never send in an Origin header.
func checkPort(o string, u *url.URL) error {
	bad := func(problem, fix string) error { return badOrigin(o, problem, fix) }
	port := u.Port()
	if port == "" {
		if strings.HasSuffix(o, ":") {
			return bad("empty port", "remove the colon")
		}
		return nil
	}

	n, err := strconv.Atoi(port)
	switch {
	case err != nil || n < 1 || n > 65535:
		return bad("port is not 1 to 65535", "fix the port")
	case u.Scheme == "http" && n == 80 || u.Scheme == "https" && n == 443:
		return bad("browsers leave the default port out", "remove :"+port)
	}
	return nil
}

// checkDurations checks the preflight cache, and that the cookie lifetime is
// set: the policy would take 0 as its default.
func (cfg *config) checkDurations() error {
	var errs []error
	d := cfg.policy.MaxAge
	if d < time.Second || d > session.MaxMaxAge || d%time.Second != 0 {
		errs = append(errs, refuse("-max-age",
			d.String()+" is not whole seconds from 1s to 400 days",
			"use a duration such as 1h or 24h; "+
				"browsers cap cookies at 400 days"))
	}

	d = cfg.corsMaxAge
	if d < 0 || d > maxCORSMaxAge || d%time.Second != 0 {
		errs = append(errs, refuse("-cors-max-age",
			d.String()+" is not whole seconds from 0 to 24h",
			"use e.g. 10m; 0 turns preflight caching off"))
	}
	return errors.Join(errs...)
}

// checkTLS wants both TLS files or neither, and not with a self-signed
// certificate.
func (cfg *config) checkTLS() error {
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return refuse("-tls-cert/-tls-key", "only one of them is set",
			"set both, or neither")
	}

	if cfg.tlsCert != "" && len(cfg.tlsSelfSigned) > 0 {
		return refuse("-tls-self-signed", "set together with -tls-cert",
			"use your certificate or a self-signed one, not both")
	}
	for _, name := range cfg.tlsSelfSigned {
		if net.ParseIP(name) == nil && !hostName.MatchString(name) {
			return refuse("-tls-self-signed", strconv.Quote(name)+
				" is not a host name or IP address",
				"list names such as app.example.test,api.example.test")
		}
	}
	return nil
}

// hostName matches a DNS host name: dot-separated labels of letters, digits
// and inner hyphens.
var hostName = regexp.MustCompile(
	`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseProxies reads -trusted-proxy: addresses or CIDR prefixes.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range splitList(s) {
		p, err := parseProxy(v)
		if err != nil {
			return nil, refuse("-trusted-proxy",
				strconv.Quote(v)+" is not an address or CIDR",
				"give addresses such as 127.0.0.1 "+
					"or prefixes such as 10.0.0.0/8")
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// parseProxy reads one CIDR prefix, or an address as a prefix of its own.
func parseProxy(v string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p, nil
	}
	addr, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}

// checkLogFormat accepts text or json.
func (cfg *config) checkLogFormat() error {
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		return refuse("-log-format",
			strconv.Quote(cfg.logFormat)+" is not a log format",
			"use text or json")
	}
	return nil
}

// policyFixes names the flag that fixes each refused cookie policy.
var policyFixes = []struct {
	err error
	fix configError
}{
	{session.ErrName, configError{"-cookie-name", "not a valid cookie name",
		"use letters, digits and !#$%&'*+-.^_`|~ only"}},
	{session.ErrNameLen, configError{"-cookie-name", "longer than 256 bytes",
		"use a shorter name; " +
			"browsers keep at most 4096 bytes of name and value"}},
	{session.ErrDomain, configError{"-cookie-domain", "not a valid domain name",
		"give a host name such as example.com, without scheme or port"}},
	{session.ErrNoneNeedsSecure, configError{"-samesite none",
		"browsers drop SameSite=None cookies without Secure",
		"add -secure (and serve HTTPS), or use -samesite lax"}},
	{session.ErrPartitionedNeedsSecure, configError{"-partitioned",
		"browsers drop Partitioned cookies without Secure",
		"add -secure (and serve HTTPS), or remove -partitioned"}},
	{session.ErrHostPrefix, configError{"-cookie-name",
		"a __Host- cookie needs Secure and no Domain",
		"add -secure and remove -cookie-domain, or drop the prefix"}},
	{session.ErrSecurePrefix, configError{"-cookie-name",
		"a __Secure- cookie needs Secure",
		"add -secure, or drop the prefix"}},
}

// checkPolicy checks the cookie policy, naming the flag that fixes each fault.
// The lifetime is left to checkDurations, which shows the value.
func checkPolicy(p session.Policy) error {
	p.MaxAge = session.DefaultMaxAge
	err := p.Validate()
	if err == nil {
		return nil
	}

	var errs []error
	for _, pf := range policyFixes {
		if errors.Is(err, pf.err) {
			errs = append(errs, &pf.fix)
		}
	}
	if len(errs) == 0 {
		return err
	}
	return errors.Join(errs...)
}

// defaultKeysFileHint describes the default key file in -help.
const defaultKeysFileHint = "corscookie/keys in the user's config directory"

// defaultKeysFile returns the key file used when -keys-file is not given.
func defaultKeysFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", refuse("-keys-file",
			"no user config directory: "+err.Error(), "set -keys-file")
	}
	return filepath.Join(dir, "corscookie", "keys"), nil
}
