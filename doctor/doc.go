// Package doctor judges a cross-origin request and its cookies the way Chromium
// and Firefox do, and says why a cookie is not stored or not sent. It never
// touches the network: the caller hands it what was sent and what came back, in
// an [Input], and [Check] returns a [Report] with one [Finding] per rule and a
// [Verdict] per browser.
//
// # What it checks
//
// The request: whether it needs a preflight (a method other than GET, HEAD and
// POST, or a header that is not CORS-safelisted), and mixed content.
//
// The preflight, as the Fetch standard's CORS check does: an ok (2xx) status
// and no redirect, Access-Control-Allow-Origin equal to the page origin byte
// for byte (never *, which fails with credentials),
// Access-Control-Allow-Credentials exactly "true", the method in
// Access-Control-Allow-Methods (compared case-sensitively), every
// non-safelisted header in Access-Control-Allow-Headers, Vary: Origin and
// Access-Control-Max-Age.
//
// The response: the same CORS check, which decides whether the script may read
// it. Browsers judge its Set-Cookie either way.
//
// Each cookie, against RFC 6265bis and what the browsers do, as measured by
// tests/e2e/doctor-matrix.test.mjs: its size, Secure from an origin that is not potentially
// trustworthy, the __Host- and __Secure- prefixes, Partitioned without Secure,
// Domain and Path, SameSite (explicit None needs Secure; Lax and Strict cookies
// are neither stored nor sent in a cross-site fetch), and third-party cookies:
// Chromium in a fresh profile blocks them unless they are Partitioned, Firefox
// keeps them in a partition of the page's site. A site is a registrable domain,
// and for Chromium its scheme too (Firefox ignores the scheme): ports never make
// sites, and 127.0.0.1 and localhost are two sites. Both browsers treat
// third-party cookies over plain HTTP as over HTTPS.
//
// # Limitations
//
// The model is of two browsers, Chromium 156 in a fresh profile and Firefox ESR
// 153 with its shipped Total Cookie Protection, as measured on loopback; other
// versions, profiles with changed cookie settings, and Safari differ. The page
// is assumed to be the top-level document: a page inside a cross-site frame has
// another top-level site. Fetches are judged as credentials: 'include' with
// redirect: 'follow', but a redirect of the response is reported, not followed.
// Cookie store limits (cookies per domain, eviction), the Range header and the
// 1024-byte total of safelisted header values are not modelled. Set-Cookie
// lines that Go's [net/http.ParseSetCookie] refuses (an invalid cookie name, a
// missing '=') are treated as dropped, though a browser may accept some of
// them. Expires dates in formats Go does not parse are ignored.
package doctor
