// Package bench runs corscookie and a plain net/http baseline on loopback ports and
// loads them with wrk, for "make bench" (bench/load) and the short load tests.
//
// Each [Scenario] is one request repeated: verify (GET /get-cookie with a valid
// token), preflight (OPTIONS /set-cookie) and set (GET /set-cookie). wrk comes from
// Debian (apt-get install wrk); its Lua script, wrk.lua, prints one result line that
// [RunWrk] parses into a [Result].
package bench

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Origin is the origin both servers allow: corscookie's default.
const Origin = "http://localhost:8080"

// tokenCookie is the name of the cookie that holds the token.
const tokenCookie = "user_token"

// Scenario is one request that a load run repeats.
type Scenario struct {
	Name   string
	Method string
	Path   string
	Header []string // "Name: value" lines besides the Cookie
	Cookie bool     // send the server's own token cookie
	Want   int      // the only status expected
}

// Scenarios are the load scenarios, in the order they run.
var Scenarios = []Scenario{
	{Name: "verify", Method: http.MethodGet, Path: "/get-cookie",
		Header: []string{"Origin: " + Origin}, Cookie: true, Want: http.StatusOK},
	{Name: "preflight", Method: http.MethodOptions, Path: "/set-cookie",
		Header: []string{"Origin: " + Origin, "Access-Control-Request-Method: POST",
			"Access-Control-Request-Headers: content-type"},
		Want: http.StatusNoContent},
	{Name: "set", Method: http.MethodGet, Path: "/set-cookie",
		Header: []string{"Origin: " + Origin}, Want: http.StatusOK},
}

// ScenarioNamed returns the scenario called name.
func ScenarioNamed(name string) (Scenario, error) {
	for _, sc := range Scenarios {
		if sc.Name == name {
			return sc, nil
		}
	}
	return Scenario{}, fmt.Errorf("bench: no scenario %q", name)
}

// Load returns the wrk load of sc against the server at url, with d and conns.
func (sc Scenario) Load(url string, d time.Duration, conns int) (Load, error) {
	l := Load{URL: url + sc.Path, Method: sc.Method, Duration: d, Conns: conns}
	l.Header = append(l.Header, sc.Header...)
	if !sc.Cookie {
		return l, nil
	}
	token, err := fetchCookie(url)
	if err != nil {
		return Load{}, err
	}
	l.Header = append(l.Header, "Cookie: "+tokenCookie+"="+token)
	return l, nil
}

// errNoCookie means that /set-cookie answered without the token cookie.
var errNoCookie = errors.New("bench: no token cookie from /set-cookie")

// httpClient fetches cookies; no request of the bench waits longer than 5 s.
var httpClient = &http.Client{Timeout: 5 * time.Second}

// fetchCookie returns the value of the token cookie that GET /set-cookie sets.
func fetchCookie(url string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, url+"/set-cookie", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Origin", Origin)
	res, err := httpClient.Do(req)
	if err != nil {
		return "", err
	}
	res.Body.Close()

	for _, c := range res.Cookies() {
		if c.Name == tokenCookie && res.StatusCode == http.StatusOK {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("%w (status %d)", errNoCookie, res.StatusCode)
}
