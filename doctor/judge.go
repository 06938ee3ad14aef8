package doctor

import (
	"net/url"
	"strings"
)

// judgeCookies judges every Set-Cookie of the set and actual responses, and
// fills in Stored and SentBack of both verdicts.
func (c *checker) judgeCookies() {
	cookies := c.collectCookies()
	stored, sent := [2]bool{true, true}, [2]bool{true, true}
	counted := 0
	for _, k := range cookies {
		if k.Cookie != nil && k.expired(c.in.Now) {
			c.add(Warn, k.step(), "it is expired on arrival (Max-Age of 0 or less, or Expires "+
				"in the past), so browsers delete it instead of storing it",
				"give it a positive Max-Age, unless the response means to delete it")
			continue
		}
		counted++
		s, b := c.judgeCookie(k)
		for i := range browsers {
			stored[i], sent[i] = stored[i] && s[i], sent[i] && b[i]
		}
	}
	if counted == 0 {
		c.noCookie()
		stored, sent = [2]bool{}, [2]bool{}
	}
	c.report.Chromium.Stored, c.report.Chromium.SentBack = stored[chromium], sent[chromium]
	c.report.Firefox.Stored, c.report.Firefox.SentBack = stored[firefox], sent[firefox]
}

// judgeSet judges whether the script may read the set response. Browsers take
// its cookies either way.
func (c *checker) judgeSet() {
	if c.in.Set == nil {
		return
	}
	from, _ := url.Parse(c.in.Set.URL) // checked by newChecker
	if !sameOrigin(c.page, from) {
		c.judgeResponse("set", &c.in.Set.Response)
	}
}

// collectCookies parses the Set-Cookie lines of the set response, then of the
// actual response.
func (c *checker) collectCookies() []*cookie {
	var cookies []*cookie
	if set := c.in.Set; set != nil {
		from, _ := url.Parse(set.URL) // checked by newChecker
		for _, line := range set.Response.Header.Values("Set-Cookie") {
			cookies = append(cookies, newCookie(line, from))
		}
	}
	if c.in.Actual != nil {
		for _, line := range c.in.Actual.Header.Values("Set-Cookie") {
			cookies = append(cookies, newCookie(line, c.target))
		}
	}
	return cookies
}

// noCookie reports that no response set a cookie.
func (c *checker) noCookie() {
	if c.in.Set != nil {
		c.add(Fail, "set", "the response sets no cookie, so browsers store nothing",
			"check that the -set URL answers with Set-Cookie")
		return
	}
	c.add(Warn, "cookies", "no response sets a cookie, so there is nothing to store",
		"pass -set with the URL that sets the cookie")
}

// judgeCookie judges one cookie in both browsers: is it stored, and is it sent
// back to the checked URL.
func (c *checker) judgeCookie(k *cookie) (stored, sent [2]bool) {
	c.cookieNotes(k)
	var drop, miss [2]*problem
	for _, b := range browsers {
		drop[b] = c.firstProblem(storeRules, k, b)
		stored[b] = drop[b] == nil
	}
	c.addProblems(k, drop, "drop it", "drops it")
	if stored[chromium] || stored[firefox] {
		c.add(Pass, k.step(), subject(stored, "store it", "stores it")+c.partitionNote(k), "")
	}

	for _, b := range browsers {
		if stored[b] {
			miss[b] = c.sendProblem(k, b)
			sent[b] = miss[b] == nil
		}
	}
	target := c.target.Redacted()
	c.addProblems(k, miss, "do not send it back to "+target, "does not send it back to "+target)
	if sent[chromium] || sent[firefox] {
		c.add(Pass, k.step(), subject(sent, "send it back", "sends it back")+" with the next "+
			"request from this page to "+target, "")
	}
	return stored, sent
}

// sendProblem returns why browser b does not send stored cookie k with the
// request, or nil when it does.
func (c *checker) sendProblem(k *cookie, b browser) *problem {
	if c.unsent {
		return &problem{"the request is never sent, since its preflight failed",
			"fix the preflight first"}
	}
	return c.firstProblem(sendRules, k, b)
}

// cookieNotes warns about attributes that work but surprise.
func (c *checker) cookieNotes(k *cookie) {
	if k.Cookie == nil {
		return
	}
	if !k.hasSameSite() {
		c.add(Warn, k.step(), "it has no valid SameSite: Chromium treats it as Lax, "+
			"Firefox as None", "set SameSite explicitly: -samesite lax, or none with -secure")
	}
	if k.Path == "" && k.path != "/" {
		c.add(Warn, k.step(), "it has no Path, so it defaults to "+k.path+
			" and is sent only under it", "set Path=/ (corscookie always does)")
	}
}

// partitionNote says where a partitioned cookie lives.
func (c *checker) partitionNote(k *cookie) string {
	if !thirdParty(c.page, k.from) && !k.Partitioned {
		return ""
	}
	return " in the partition of the page's site " + siteOf(c.page).String() +
		", so pages of other sites do not send it"
}

// addProblems adds one Fail per distinct refusal: one line when both browsers
// refuse for the same reason.
func (c *checker) addProblems(k *cookie, probs [2]*problem, plural, singular string) {
	ch, ff := probs[chromium], probs[firefox]
	if ch != nil && ff != nil && ch.says == ff.says {
		c.add(Fail, k.step(), "Chromium and Firefox "+plural+": "+ch.says, ch.fix)
		return
	}
	for _, b := range browsers {
		if p := probs[b]; p != nil {
			c.add(Fail, k.step(), b.String()+" "+singular+": "+p.says, p.fix)
		}
	}
}

// subject names the browsers whose flag is set, with the verb agreeing.
func subject(flags [2]bool, plural, singular string) string {
	var names []string
	for _, b := range browsers {
		if flags[b] {
			names = append(names, b.String())
		}
	}
	if len(names) == 2 {
		return strings.Join(names, " and ") + " " + plural
	}
	return names[0] + " " + singular
}

// PreflightPasses reports whether browsers accept in.Preflight as the answer to
// the preflight of in.Request, and so go on to send the request.
func PreflightPasses(in Input) bool {
	c, err := newChecker(in)
	if err != nil || in.Preflight == nil {
		return false
	}
	return c.judgePreflight()
}

// CookieHeader returns the Cookie header value that a browser sends with
// in.Request after in.Set: the name=value pairs, as sent, of the cookies that
// Chromium or Firefox (either one) stores from in.Set and sends to
// in.Request.URL. It returns "" when in.Set is nil or no such cookie exists.
func CookieHeader(in Input) (string, error) {
	c, err := newChecker(in)
	if err != nil || in.Set == nil {
		return "", err
	}
	from, _ := url.Parse(in.Set.URL)
	var pairs []string
	for _, line := range in.Set.Response.Header.Values("Set-Cookie") {
		if k := newCookie(line, from); c.keptBySome(k) {
			pairs = append(pairs, k.pair)
		}
	}
	return strings.Join(pairs, "; "), nil
}

// keptBySome reports whether a browser stores k and sends it to the checked
// URL.
func (c *checker) keptBySome(k *cookie) bool {
	if k.Cookie == nil || k.expired(c.in.Now) {
		return false
	}
	for _, b := range browsers {
		if c.firstProblem(storeRules, k, b) == nil && c.firstProblem(sendRules, k, b) == nil {
			return true
		}
	}
	return false
}
