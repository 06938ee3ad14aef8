package doctor

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxCookieSize is the largest name and value together, in bytes, that browsers
// keep.
const maxCookieSize = 4096

// cookie is one Set-Cookie line, parsed, and the URL whose response carried it.
type cookie struct {
	*http.Cookie       // nil when Go refuses the line
	err          error // why Go refused it
	name         string
	pair         string // name=value as sent
	size         int    // bytes of name and value as sent, quotes included
	from         *url.URL

	// hostOnly is true without a usable Domain attribute; domain is then the
	// host.
	hostOnly bool
	domain   string

	// domainAttr is the Domain attribute, lower case and without a leading dot.
	domainAttr string

	// path is the Path attribute, or the default path of from when it has none.
	path string
}

// newCookie parses one Set-Cookie line from a response to from.
func newCookie(line string, from *url.URL) *cookie {
	nameValue, _, _ := strings.Cut(line, ";")
	nameValue = strings.Trim(nameValue, " \t")
	name, value, _ := strings.Cut(nameValue, "=")
	k := &cookie{name: strings.Trim(name, " \t"), pair: nameValue, from: from}
	k.size = len(k.name) + len(strings.Trim(value, " \t"))
	k.Cookie, k.err = http.ParseSetCookie(line)
	if k.Cookie == nil {
		return k
	}

	host := canonicalHost(from.Hostname())
	k.domainAttr = strings.TrimPrefix(strings.ToLower(k.Domain), ".")
	k.hostOnly = k.domainAttr == "" || k.domainAttr == host && isPublicSuffix(host)
	k.domain = k.domainAttr
	if k.hostOnly {
		k.domain = host
	}
	k.path = k.Path
	if !strings.HasPrefix(k.path, "/") {
		k.path = defaultPath(from.EscapedPath())
	}
	return k
}

// step names the cookie in findings.
func (k *cookie) step() string {
	return "cookie " + k.name
}

// expired reports whether the cookie deletes rather than sets: Max-Age of 0 or
// less, or an Expires date before now when there is no Max-Age.
func (k *cookie) expired(now time.Time) bool {
	if k.MaxAge != 0 {
		return k.MaxAge < 0
	}
	return !k.Expires.IsZero() && k.Expires.Before(now)
}

// sameSite returns the SameSite mode browser b applies: the attribute when it
// is Lax, Strict or None. Without one (or with an unknown value), Chromium
// applies Lax; Firefox ESR 153 has not shipped Lax by default and applies None,
// though without the rule that None needs Secure, which it keeps for an
// explicit SameSite=None.
//
// Firefox, which has not shipped Lax by default, stores a cookie without
// SameSite from a cross-site fetch (partitioned) and sends it back, as the
// doctor matrix measured over HTTPS.
func (k *cookie) sameSite(b browser) http.SameSite {
	switch k.SameSite {
	case http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode:
		return k.SameSite
	}
	if b == chromium {
		return http.SameSiteLaxMode
	}
	return http.SameSiteNoneMode
}

// sameSiteWords describes the SameSite mode that b applies, for findings.
func (k *cookie) sameSiteWords(b browser) string {
	name := map[http.SameSite]string{http.SameSiteLaxMode: "Lax",
		http.SameSiteStrictMode: "Strict", http.SameSiteNoneMode: "None"}[k.sameSite(b)]
	if k.hasSameSite() {
		return "it is SameSite=" + name
	}
	return "it has no SameSite, which " + b.String() + " treats as " + name
}

// hasSameSite reports whether the cookie has a SameSite attribute with a known
// value.
func (k *cookie) hasSameSite() bool {
	return k.SameSite != 0 && k.SameSite != http.SameSiteDefaultMode
}

// defaultPath returns the default cookie path of a request path (RFC 6265bis
// 5.1.4).
func defaultPath(path string) string {
	i := strings.LastIndex(path, "/")
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// pathMatch reports whether the request path is under the cookie path.
func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == "" {
		reqPath = "/"
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return len(reqPath) == len(cookiePath) || strings.HasSuffix(cookiePath, "/") ||
		reqPath[len(cookiePath)] == '/'
}

// domainMatch reports whether host is domain, or a name under it. An IP address
// matches only itself.
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return strings.HasSuffix(host, "."+domain) && net.ParseIP(host) == nil
}

// hasPrefix reports whether name starts with prefix in any case: RFC 6265bis
// and current browsers compare cookie prefixes without regard to case.
func hasPrefix(name, prefix string) bool {
	return len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)
}
