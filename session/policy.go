package session

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// MaxNameLen is the longest cookie name accepted, in bytes. With it a signed
// cookie stays far below [MaxCookieSize]: the value takes under 200 bytes, 250
// encrypted.
const MaxNameLen = 256

// MaxMaxAge is the longest cookie lifetime accepted: browsers cap Max-Age at
// 400 days.
const MaxMaxAge = 400 * 24 * time.Hour

// Policy is the set of cookie attributes the [Manager] writes. Path is always
// "/" and HttpOnly is always set.
type Policy struct {
	// Name is the cookie name. Default: [DefaultName].
	Name string

	// SameSite is the cookie's SameSite attribute. Default:
	// http.SameSiteLaxMode. http.SameSiteNoneMode needs Secure.
	SameSite http.SameSite

	// Secure marks the cookie for HTTPS only. Browsers also accept Secure
	// cookies from http://localhost. Default: false.
	Secure bool

	// Partitioned asks for a partitioned (CHIPS) cookie, which survives
	// third-party cookie blocking. It needs Secure. Default: false.
	Partitioned bool

	// Domain, when not empty, lets the cookie be sent to subdomains of Domain
	// too. Default: empty, so only the host that set the cookie receives it.
	Domain string

	// MaxAge is both the cookie's Max-Age and the lifetime of its signature,
	// in whole seconds. Default: [DefaultMaxAge].
	MaxAge time.Duration
}

// withDefaults fills in the zero fields of p.
func (p Policy) withDefaults() Policy {
	if p.Name == "" {
		p.Name = DefaultName
	}
	if p.SameSite == 0 || p.SameSite == http.SameSiteDefaultMode {
		p.SameSite = http.SameSiteLaxMode
	}
	if p.MaxAge == 0 {
		p.MaxAge = DefaultMaxAge
	}
	return p
}

// Validate reports every rule of p, defaults filled in, that browsers would not
// honour: a bad name or domain, SameSite=None or Partitioned without Secure, a
// prefix whose rules are not met, or a MaxAge out of range.
func (p Policy) Validate() error {
	p = p.withDefaults()
	return errors.Join(p.validateName(), p.validateAttributes(),
		p.validateMaxAge())
}

// ParseSameSite turns "lax", "strict" or "none" (any case) into an
// http.SameSite.
func ParseSameSite(s string) (http.SameSite, error) {
	switch strings.ToLower(s) {
	case "lax":
		return http.SameSiteLaxMode, nil
	case "strict":
		return http.SameSiteStrictMode, nil
	case "none":
		return http.SameSiteNoneMode, nil
	}
	return 0, fmt.Errorf("%w: got %q", ErrSameSite, s)
}

// SameSiteName returns the attribute value browsers see: "Lax", "Strict" or
// "None".
func SameSiteName(s http.SameSite) string {
	switch s {
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	}
	return "Lax"
}

// Errors about the cookie name, its prefix and the domain, returned by [New]
// and [Policy.Validate].
var (
	ErrName         = errors.New("session: cookie name is not a valid HTTP token")
	ErrNameLen      = errors.New("session: cookie name is longer than 256 bytes")
	ErrDomain       = errors.New("session: cookie domain is not a valid domain name")
	ErrHostPrefix   = errors.New("session: a __Host- cookie needs Secure and no Domain")
	ErrSecurePrefix = errors.New("session: a __Secure- cookie needs Secure")
)

// Errors about attributes that need Secure, returned by [New] and
// [Policy.Validate].
var (
	ErrNoneNeedsSecure        = errors.New("session: SameSite=None needs Secure")
	ErrPartitionedNeedsSecure = errors.New("session: Partitioned needs Secure")
)

// ErrMaxAge is returned by [New] and [Policy.Validate] for a MaxAge that is
// not whole seconds from 1s to [MaxMaxAge].
var ErrMaxAge = errors.New(
	"session: Max-Age must be whole seconds from 1s to 400 days")

// ErrSameSite is returned by [ParseSameSite] for a value it does not know.
var ErrSameSite = errors.New("session: SameSite is not lax, strict or none")

// validateName checks the name and its prefix rules.
func (p Policy) validateName() error {
	if (&http.Cookie{Name: p.Name, Value: "x"}).Valid() != nil {
		return ErrName
	}
	if len(p.Name) > MaxNameLen {
		return ErrNameLen
	}
	if (&http.Cookie{Name: "x", Value: "x", Domain: p.Domain}).Valid() != nil {
		return ErrDomain
	}

	// Browsers match the prefixes without regard to case.
	lower := strings.ToLower(p.Name)
	switch {
	case strings.HasPrefix(lower, "__host-") && (!p.Secure || p.Domain != ""):
		return ErrHostPrefix
	case strings.HasPrefix(lower, "__secure-") && !p.Secure:
		return ErrSecurePrefix
	}
	return nil
}

// validateAttributes checks the attributes that need Secure.
func (p Policy) validateAttributes() error {
	if p.Secure {
		return nil
	}
	if p.SameSite == http.SameSiteNoneMode {
		return ErrNoneNeedsSecure
	}
	if p.Partitioned {
		return ErrPartitionedNeedsSecure
	}
	return nil
}

// validateMaxAge checks the lifetime.
func (p Policy) validateMaxAge() error {
	d := p.MaxAge
	if d < time.Second || d > MaxMaxAge || d%time.Second != 0 {
		return fmt.Errorf("%w: got %s", ErrMaxAge, d)
	}
	return nil
}
