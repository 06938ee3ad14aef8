package doctor

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Preflight cache caps of the browsers, in seconds; without
// Access-Control-Max-Age both cache a preflight answer 5 s.
const (
	chromiumMaxAge = 7200
	firefoxMaxAge  = 86400
	defaultMaxAge  = 5
)

// problem is one failed rule: what is wrong and the fix.
type problem struct {
	says, fix string
}

// judgePreflight judges the preflight answer as the Fetch standard's
// CORS-preflight fetch does, and reports whether the browser goes on to send
// the request.
func (c *checker) judgePreflight() bool {
	res := c.in.Preflight
	var probs []problem
	if res.Status >= 300 && res.Status < 400 {
		probs = append(probs, problem{fmt.Sprintf("it is redirected (status %d), and "+
			"browsers never follow a preflight's redirect", res.Status),
			"answer the OPTIONS request at this URL itself, with 204"})
	} else {
		probs = append(probs, c.preflightProblems(res)...)
	}

	for _, p := range probs {
		c.add(Fail, "preflight", "browsers refuse the preflight: "+p.says, p.fix)
	}
	if len(probs) == 0 {
		c.add(Pass, "preflight", "allowed: status "+strconv.Itoa(res.Status)+
			", origin, credentials, method and headers; "+c.maxAgeNote(res.Header), "")
	}
	c.judgeVary("preflight", res.Header)
	c.judgeMaxAge(res.Header)
	return len(probs) == 0
}

// preflightProblems checks the status and the CORS headers of a preflight
// answer that is not a redirect.
func (c *checker) preflightProblems(res *Response) []problem {
	var probs []problem
	if res.Status < 200 || res.Status > 299 {
		probs = append(probs, problem{fmt.Sprintf("its status %d is not 2xx", res.Status),
			"answer OPTIONS preflights with 204 before routing and authentication " +
				"(put the CORS layer in front of every route)"})
	}
	probs = append(probs, c.corsProblems(res.Header)...)
	probs = append(probs, c.methodProblems(res.Header)...)
	return append(probs, c.headerProblems(res.Header)...)
}

// judgeResponse judges an answer to a credentialed request with the CORS check,
// and reports whether the script may read it. step names it in findings.
func (c *checker) judgeResponse(step string, res *Response) bool {
	level := Fail
	if step == "set" {
		level = Warn // the cookie is judged either way
	}
	if res.Status >= 300 && res.Status < 400 {
		c.add(Warn, step, fmt.Sprintf("redirected (status %d) to %q; fetch follows it and "+
			"judges each answer", res.Status, res.Header.Get("Location")),
			"check the URL it redirects to as well, or call that URL directly")
	}

	probs := c.corsProblems(res.Header)
	for _, p := range probs {
		c.add(level, step, "the script cannot read the response: "+p.says, p.fix)
	}
	if len(probs) == 0 {
		c.add(Pass, step, fmt.Sprintf("the script may read the response (status %d)",
			res.Status), "")
	}
	c.judgeVary(step, res.Header)
	return len(probs) == 0
}

// corsProblems runs the CORS check of a credentialed request on header.
func (c *checker) corsProblems(header http.Header) []problem {
	origin := c.in.Origin
	var probs []problem
	if p := originProblem(origin, header.Values("Access-Control-Allow-Origin")); p != nil {
		probs = append(probs, *p)
	}
	if acac := header.Values("Access-Control-Allow-Credentials"); len(acac) == 0 {
		probs = append(probs, problem{"no Access-Control-Allow-Credentials: true, which " +
			"credentialed requests need", "send Access-Control-Allow-Credentials: true " +
			"(corscookie always does)"})
	} else if v := strings.Join(acac, ", "); v != "true" {
		probs = append(probs, problem{fmt.Sprintf("Access-Control-Allow-Credentials is %q, "+
			"and only the exact value true counts", v),
			"send Access-Control-Allow-Credentials: true, once and in lower case"})
	}
	return probs
}

// originProblem checks the Access-Control-Allow-Origin values against origin.
func originProblem(origin string, acao []string) *problem {
	fix := "list the page origin " + origin + " exactly in -origins"
	switch {
	case len(acao) == 0:
		return &problem{"no Access-Control-Allow-Origin", fix}
	case len(acao) > 1:
		return &problem{fmt.Sprintf("Access-Control-Allow-Origin is sent %d times, and "+
			"browsers need exactly one", len(acao)),
			"send it once: look for a proxy or a second CORS layer adding it too"}
	case acao[0] == "*":
		return &problem{"Access-Control-Allow-Origin: * is refused with credentials",
			"echo the page origin instead of *: " + fix}
	case acao[0] != origin:
		return &problem{fmt.Sprintf("Access-Control-Allow-Origin is %q, not the page "+
			"origin %q%s", acao[0], origin, originHint(acao[0], origin)), fix}
	}
	return nil
}

// originHint explains a near miss between an allowed origin and the page
// origin.
func originHint(got, origin string) string {
	switch {
	case strings.EqualFold(got, origin):
		return " (origins compare case-sensitively)"
	case strings.TrimSuffix(got, "/") == origin:
		return " (an origin has no trailing slash)"
	}
	return ""
}

// methodProblems checks the method against Access-Control-Allow-Methods.
func (c *checker) methodProblems(header http.Header) []problem {
	if slices.Contains(safelistedMethods, c.method) {
		return nil
	}
	methods := headerList(header.Values("Access-Control-Allow-Methods"))
	fix := "list " + c.method + " in Access-Control-Allow-Methods " +
		"(corscookie allows GET and POST only)"
	switch {
	case slices.Contains(methods, c.method):
		return nil
	case slices.ContainsFunc(methods, sameFold(c.method)):
		return []problem{{"Access-Control-Allow-Methods has " + c.method + " in another " +
			"case, and methods compare case-sensitively", fix}}
	case slices.Contains(methods, "*"):
		return []problem{{"Access-Control-Allow-Methods: * does not count with credentials",
			fix}}
	}
	return []problem{{fmt.Sprintf("Access-Control-Allow-Methods (%s) lacks %s",
		quoteList(methods), c.method), fix}}
}

// sameFold returns a function that reports whether its argument equals s in any
// case.
func sameFold(s string) func(string) bool {
	return func(t string) bool { return strings.EqualFold(s, t) }
}

// headerProblems checks the unsafe request headers against
// Access-Control-Allow-Headers, which compares without regard to case.
func (c *checker) headerProblems(header http.Header) []problem {
	allowed := headerList(header.Values("Access-Control-Allow-Headers"))
	for i := range allowed {
		allowed[i] = strings.ToLower(allowed[i])
	}
	var missing []string
	for _, name := range unsafeHeaderNames(c.in.Request.Header) {
		if !slices.Contains(allowed, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}

	says := fmt.Sprintf("Access-Control-Allow-Headers (%s) lacks %s", quoteList(allowed),
		strings.Join(missing, ", "))
	if slices.Contains(allowed, "*") {
		says += " (* does not count with credentials)"
	}
	return []problem{{says, "list " + strings.Join(missing, ", ") +
		" in Access-Control-Allow-Headers, or do not send it"}}
}

// headerList splits comma-separated header values into trimmed, non-empty
// items.
func headerList(values []string) []string {
	var items []string
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.Trim(item, " \t"); item != "" {
				items = append(items, item)
			}
		}
	}
	return items
}

// judgeVary warns when the answer echoes the page origin without Vary: Origin.
func (c *checker) judgeVary(step string, header http.Header) {
	if header.Get("Access-Control-Allow-Origin") != c.in.Origin {
		return
	}
	for _, v := range headerList(header.Values("Vary")) {
		if v == "*" || strings.EqualFold(v, "Origin") {
			return
		}
	}
	c.add(Warn, step, "it echoes the origin without Vary: Origin, so a cache may serve "+
		"this answer to another origin, which browsers then refuse",
		"add Vary: Origin to every answer that depends on Origin (corscookie does)")
}

// maxAge returns the Access-Control-Max-Age in seconds, and false when it is
// missing or not a number, which browsers treat as 5 s.
func maxAge(header http.Header) (int, bool) {
	v := header.Values("Access-Control-Max-Age")
	if len(v) != 1 {
		return defaultMaxAge, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v[0]))
	if err != nil || n < 0 {
		return defaultMaxAge, false
	}
	return n, true
}

// maxAgeNote says how long browsers cache the preflight answer.
func (c *checker) maxAgeNote(header http.Header) string {
	n, ok := maxAge(header)
	switch {
	case !ok:
		return "cached 5 s (no valid Access-Control-Max-Age)"
	case n == 0:
		return "not cached (Access-Control-Max-Age: 0): every request is preflighted"
	case n > chromiumMaxAge:
		return fmt.Sprintf("cached %d s in Firefox (cap %d s), %d s in Chromium",
			min(n, firefoxMaxAge), firefoxMaxAge, chromiumMaxAge)
	}
	return fmt.Sprintf("cached %d s", n)
}

// judgeMaxAge warns about an Access-Control-Max-Age that browsers ignore or
// cut.
func (c *checker) judgeMaxAge(header http.Header) {
	n, ok := maxAge(header)
	switch {
	case !ok && len(header.Values("Access-Control-Max-Age")) > 0:
		c.add(Warn, "preflight", "browsers ignore Access-Control-Max-Age "+
			strconv.Quote(header.Get("Access-Control-Max-Age"))+" and cache the answer 5 s",
			"send one whole number of seconds: -cors-max-age 10m")
	case n > chromiumMaxAge:
		c.add(Warn, "preflight", fmt.Sprintf("Access-Control-Max-Age %d s is cut to "+
			"%d s by Chromium", n, chromiumMaxAge), "use -cors-max-age 2h or less")
	}
}
