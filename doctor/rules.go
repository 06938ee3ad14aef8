package doctor

import (
	"fmt"
	"net/http"
	"net/url"
)

// browser is one of the two browsers modelled.
type browser int

const (
	chromium browser = iota
	firefox
)

// browsers lists the modelled browsers in report order.
var browsers = []browser{chromium, firefox}

// String returns the browser's name.
func (b browser) String() string {
	if b == chromium {
		return "Chromium"
	}
	return "Firefox"
}

// cookieRule returns why browser b refuses cookie k, or nil when the rule
// passes.
type cookieRule func(c *checker, k *cookie, b browser) *problem

// Fixes shared by several rules.
const (
	fixOneSite = "put page and API on one site (e.g. both on localhost, any ports), or " +
		"serve both over HTTPS with -samesite none -secure -partitioned"
)

// storeRules decide whether a browser stores a cookie, in the order browsers
// apply them.
var storeRules = []cookieRule{
	ruleParse, ruleSize, ruleSecureOrigin, rulePrefixes, rulePartitionedSecure, ruleDomain,
	ruleNoneSecure, ruleSetCrossSite, ruleThirdPartyBlocked(fromURL),
}

// sendRules decide whether a browser sends a stored cookie with the next
// request from the page to the checked URL.
var sendRules = []cookieRule{
	sendDomain, sendPath, sendSecure, sendCrossSite, ruleThirdPartyBlocked(targetURL),
}

// ruleParse drops a line that Go cannot parse.
func ruleParse(_ *checker, k *cookie, _ browser) *problem {
	if k.err == nil {
		return nil
	}
	return &problem{fmt.Sprintf("the Set-Cookie line does not parse (%v)", k.err),
		"send name=value; attributes, with a token as name"}
}

// ruleSize drops a cookie whose name and value pass 4096 bytes.
func ruleSize(_ *checker, k *cookie, _ browser) *problem {
	if k.size <= maxCookieSize {
		return nil
	}
	return &problem{fmt.Sprintf("its name and value are %d bytes, over the %d-byte limit",
		k.size, maxCookieSize), "store less in the cookie, or use a shorter -cookie-name"}
}

// ruleSecureOrigin drops a Secure cookie set over plain HTTP, except from
// localhost and loopback, which both browsers treat as secure.
func ruleSecureOrigin(_ *checker, k *cookie, _ browser) *problem {
	if !k.Secure || trustworthy(k.from) {
		return nil
	}
	return &problem{"it is Secure but set over plain HTTP by " + k.from.Host +
		"; only HTTPS, localhost and loopback may set Secure cookies",
		"serve HTTPS (-tls-cert and -tls-key), or develop on http://localhost"}
}

// rulePrefixes enforces the __Host- and __Secure- name prefixes.
func rulePrefixes(_ *checker, k *cookie, _ browser) *problem {
	switch {
	case hasPrefix(k.name, "__Host-") && (!k.Secure || k.domainAttr != "" || k.Path != "/"):
		return &problem{fmt.Sprintf("a __Host- cookie needs Secure, no Domain and Path=/; "+
			"it has Secure=%t, Domain=%q, Path=%q", k.Secure, k.domainAttr, k.Path),
			"remove -cookie-domain and add -secure, or drop the prefix from -cookie-name"}
	case hasPrefix(k.name, "__Secure-") && !k.Secure:
		return &problem{"a __Secure- cookie needs Secure",
			"add -secure, or drop the prefix from -cookie-name"}
	}
	return nil
}

// rulePartitionedSecure drops a Partitioned cookie without Secure.
func rulePartitionedSecure(_ *checker, k *cookie, _ browser) *problem {
	if !k.Partitioned || k.Secure {
		return nil
	}
	return &problem{"it is Partitioned without Secure", "add -secure, or remove -partitioned"}
}

// ruleDomain drops a cookie whose Domain is a public suffix or does not cover
// the host that set it.
func ruleDomain(_ *checker, k *cookie, _ browser) *problem {
	host := canonicalHost(k.from.Hostname())
	switch {
	case k.hostOnly:
		return nil
	case isPublicSuffix(k.domainAttr):
		return &problem{"its Domain=" + k.domainAttr + " is a public suffix",
			"set -cookie-domain to a registrable domain such as example.com, or leave it empty"}
	case !domainMatch(host, k.domainAttr):
		return &problem{"its Domain=" + k.domainAttr + " does not cover " + host +
			", the host that set it", "set -cookie-domain to " + host +
			" or a parent of it, or leave it empty"}
	}
	return nil
}

// ruleNoneSecure drops an explicit SameSite=None cookie without Secure: both
// browsers do (tests/e2e/doctor-matrix.test.mjs).
func ruleNoneSecure(_ *checker, k *cookie, _ browser) *problem {
	if k.SameSite != http.SameSiteNoneMode || k.Secure {
		return nil
	}
	return &problem{"SameSite=None without Secure",
		"add -secure and serve HTTPS (or use -samesite lax)"}
}

// ruleSetCrossSite drops a Lax or Strict cookie set by a cross-site response:
// RFC 6265bis 5.7 step 20, which both browsers apply to fetches (not to
// navigations). Chromium compares sites with their scheme, Firefox without:
// measured with an HTTP page calling an HTTPS API of its own domain.
func ruleSetCrossSite(c *checker, k *cookie, b browser) *problem {
	if !crossSite(c.page, k.from, b) || k.sameSite(b) == http.SameSiteNoneMode {
		return nil
	}
	return &problem{k.sameSiteWords(b) + " and set by a cross-site response (" +
		siteOf(k.from).String() + " from a page on " + siteOf(c.page).String() + ")",
		fixOneSite}
}

// fromURL and targetURL pick the URL a third-party rule looks at: the one that
// set the cookie, or the checked URL it is sent to.
func fromURL(_ *checker, k *cookie) *url.URL   { return k.from }
func targetURL(c *checker, _ *cookie) *url.URL { return c.target }

// ruleThirdPartyBlocked refuses a third-party cookie in Chromium unless it is
// Partitioned (CHIPS): a fresh Chromium 156 profile blocks third-party cookies,
// over HTTP as over HTTPS, and counts the scheme as part of the site. Firefox
// keeps them, partitioned by the page's site, with or without Partitioned.
func ruleThirdPartyBlocked(pick func(*checker, *cookie) *url.URL) cookieRule {
	return func(c *checker, k *cookie, b browser) *problem {
		if b != chromium || !crossSite(c.page, pick(c, k), b) || k.Partitioned {
			return nil
		}
		return &problem{"it is a third-party cookie, and Chromium blocks those " +
			"unless they are Partitioned", "add -partitioned (with -secure, over HTTPS)"}
	}
}

// sendDomain keeps a cookie from hosts it does not belong to.
func sendDomain(c *checker, k *cookie, _ browser) *problem {
	host := canonicalHost(c.target.Hostname())
	switch {
	case k.hostOnly && host != k.domain:
		return &problem{"it belongs to " + k.domain + " only, and the request goes to " + host,
			"call the API on the host that set the cookie"}
	case !k.hostOnly && !domainMatch(host, k.domain):
		return &problem{"its Domain=" + k.domain + " does not cover " + host,
			"set -cookie-domain to a parent of both hosts, or call the host that set it"}
	}
	return nil
}

// sendPath keeps a cookie from paths outside its Path.
func sendPath(c *checker, k *cookie, _ browser) *problem {
	if pathMatch(c.target.EscapedPath(), k.path) {
		return nil
	}
	return &problem{"its Path " + k.path + " does not cover " + c.target.EscapedPath(),
		"set Path=/ (corscookie always does)"}
}

// sendSecure keeps a Secure cookie from plain HTTP, except to localhost and
// loopback.
func sendSecure(c *checker, k *cookie, _ browser) *problem {
	if !k.Secure || trustworthy(c.target) {
		return nil
	}
	return &problem{"it is Secure and the request is plain HTTP to " + c.target.Host,
		"call the API over HTTPS"}
}

// sendCrossSite keeps Lax and Strict cookies from cross-site fetches.
func sendCrossSite(c *checker, k *cookie, b browser) *problem {
	if !crossSite(c.page, c.target, b) || k.sameSite(b) == http.SameSiteNoneMode {
		return nil
	}
	return &problem{k.sameSiteWords(b) + ", and the fetch is cross-site: such cookies go " +
		"only with same-site requests and top-level navigations", fixOneSite}
}

// firstProblem runs rules for browser b and returns the first refusal, or nil.
func (c *checker) firstProblem(rules []cookieRule, k *cookie, b browser) *problem {
	for _, rule := range rules {
		if p := rule(c, k, b); p != nil {
			return p
		}
	}
	return nil
}
