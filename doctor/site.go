package doctor

import (
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// site is a schemeful site: a scheme and a registrable domain. Ports never make
// sites; schemes do.
type site struct {
	scheme, domain string
}

// String writes the site as scheme://domain.
func (s site) String() string {
	return s.scheme + "://" + s.domain
}

// siteOf returns the site of u.
func siteOf(u *url.URL) site {
	return site{u.Scheme, registrable(u.Hostname())}
}

// registrable returns the registrable domain (eTLD+1) of host, from the public
// suffix list with its private part, as browsers use it. An IP address,
// localhost, and a host that is itself a public suffix are their own
// registrable domain.
func registrable(host string) string {
	host = canonicalHost(host)
	if net.ParseIP(host) != nil {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// canonicalHost lower-cases host and drops a final dot.
func canonicalHost(host string) string {
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// isPublicSuffix reports whether domain is on the public suffix list, or is a
// single label such as "com" or "localhost", which the list's default rule
// makes a suffix.
func isPublicSuffix(domain string) bool {
	if net.ParseIP(domain) != nil {
		return false
	}
	ps, _ := publicsuffix.PublicSuffix(domain)
	return ps == domain
}

// thirdParty reports whether a request to target from page is third-party, as
// third-party cookie blocking and partitioning see it: by registrable domain,
// without the scheme.
func thirdParty(page, target *url.URL) bool {
	return siteOf(page).domain != siteOf(target).domain
}

// crossSite reports whether target is on another site than page, as browser b
// compares sites: Chromium with the scheme (schemeful same-site), Firefox by
// registrable domain alone.
func crossSite(page, target *url.URL, b browser) bool {
	if b == firefox {
		return thirdParty(page, target)
	}
	return siteOf(page) != siteOf(target)
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && canonicalHost(a.Hostname()) == canonicalHost(b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

// effectivePort returns the port of u, or the default port of its scheme.
func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// trustworthy reports whether u is a potentially trustworthy URL, where
// browsers accept and send Secure cookies: HTTPS, or HTTP to localhost, a name
// under .localhost, or a loopback address.
func trustworthy(u *url.URL) bool {
	if u.Scheme == "https" {
		return true
	}
	return isLoopback(u.Hostname())
}

// isLoopback reports whether host is localhost, a name under .localhost, or a
// loopback address (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	host = canonicalHost(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// FetchSite returns the Sec-Fetch-Site value a browser sends with a fetch from
// a page at origin to target: "same-origin", "same-site" or "cross-site". It
// returns "cross-site" when either does not parse.
func FetchSite(origin, target string) string {
	p, err1 := url.Parse(origin)
	t, err2 := url.Parse(target)
	switch {
	case err1 != nil || err2 != nil:
		return "cross-site"
	case sameOrigin(p, t):
		return "same-origin"
	case siteOf(p) == siteOf(t):
		return "same-site"
	}
	return "cross-site"
}
