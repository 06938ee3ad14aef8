// The server setups of the doctor matrix, as data. Every setup is a page calling an API on
// another origin: the page fetches the API's /set-cookie (a plain GET), then its /get-cookie
// with the setup's method and headers, both with credentials: 'include'. Ports are given
// when the servers start; hosts other than localhost and 127.0.0.1 map to 127.0.0.1.

// cors is the answer of an API that allows the page's origin with credentials.
const cors = {
  'Access-Control-Allow-Origin': '{origin}',
  'Access-Control-Allow-Credentials': 'true',
  Vary: 'Origin',
}

// preflightOK allows PUT and the X-Token header.
const preflightOK = {
  status: 204,
  headers: {
    ...cors,
    'Access-Control-Allow-Methods': 'GET, POST, PUT',
    'Access-Control-Allow-Headers': 'X-Token',
    'Access-Control-Max-Age': '60',
  },
}

// The origins used, without ports.
const local = 'http://localhost'
const loopback = 'http://127.0.0.1'
const app = 'https://app.example.test'
const api = 'https://api.example.test'
const front = 'https://app.frontend.test'
const back = 'https://api.backend.test'

// lax is corscookie's default cookie: user_token, Path=/, SameSite=Lax.
const lax = 'user_token=x; Path=/; SameSite=Lax'

// server is a setup served by the matrix's own API server. setCookie is the Set-Cookie of
// /set-cookie; set and get are the CORS headers of /set-cookie and /get-cookie.
function server({ name, page, api, setCookie, cookie = 'user_token', set = cors, get = cors,
  preflight, request }) {
  return {
    kind: 'server', name, page, api, cookie, preflight,
    set: { status: 200, headers: { ...set, 'Set-Cookie': setCookie } },
    get: { status: 200, headers: get },
    request: { method: 'GET', headers: {}, ...request },
  }
}

// binary is a setup whose API is the corscookie binary, run with flags.
function binary({ name, page, api, flags = [], cookie = 'user_token' }) {
  return { kind: 'corscookie', name, page, api, flags, cookie,
    request: { method: 'GET', headers: {} } }
}

// without returns headers less the named one.
function without(headers, name) {
  const { [name]: _, ...rest } = headers
  return rest
}

export const setups = [
  binary({ name: 'corscookie mode 1: same-site HTTP, defaults', page: local, api: local }),
  binary({
    name: 'corscookie mode 2: same-site HTTPS, __Host- cookie', page: app, api,
    flags: ['-secure', '-cookie-name', '__Host-user_token'], cookie: '__Host-user_token',
  }),
  binary({
    name: 'corscookie mode 3: cross-site HTTPS, None, Secure, Partitioned', page: front,
    api: back, flags: ['-samesite', 'none', '-secure', '-partitioned'],
  }),
  binary({
    name: 'corscookie mode 3 without -partitioned', page: front, api: back,
    flags: ['-samesite', 'none', '-secure'],
  }),

  server({ name: 'echoed origin, credentials, Lax, same-site HTTP', page: local, api: local,
    setCookie: lax }),
  server({
    name: 'Access-Control-Allow-Origin * with credentials', page: local, api: local,
    setCookie: lax, set: { ...cors, 'Access-Control-Allow-Origin': '*' },
    get: { ...cors, 'Access-Control-Allow-Origin': '*' },
  }),
  server({
    name: 'no Access-Control-Allow-Credentials', page: local, api: local, setCookie: lax,
    set: without(cors, 'Access-Control-Allow-Credentials'),
    get: without(cors, 'Access-Control-Allow-Credentials'),
  }),
  server({
    // The Flask tutorial's configuration.
    name: 'SameSite=None without Secure over HTTP', page: local, api: local,
    setCookie: 'user_token=x; Path=/; SameSite=None',
  }),
  server({ name: 'Lax across sites over HTTPS', page: front, api: back,
    setCookie: `${lax}; Secure` }),
  // Chromium blocks third-party cookies (UserPreferences); Firefox partitions them.
  server({ name: 'None, Secure, not Partitioned, across sites over HTTPS', page: front,
    api: back, setCookie: 'user_token=x; Path=/; SameSite=None; Secure' }),
  server({ name: 'None, Secure, Partitioned, across sites over HTTPS', page: front, api: back,
    setCookie: 'user_token=x; Path=/; SameSite=None; Secure; Partitioned' }),
  server({ name: 'no SameSite, Secure, across sites over HTTPS', page: front, api: back,
    setCookie: 'user_token=x; Path=/; Secure' }),
  server({ name: 'Secure from plain HTTP on a non-loopback name',
    page: 'http://app.example.test', api: 'http://api.example.test', setCookie: `${lax}; Secure` }),
  server({ name: 'Secure from http://localhost', page: local, api: local,
    setCookie: `${lax}; Secure` }),
  server({
    // Sites are schemeful in the doctor; see the BUG note of ruleSetCrossSite.
    name: 'Lax, HTTP page calling HTTPS API of the same domain', page: 'http://app.example.test',
    api, setCookie: `${lax}; Secure`,
  }),
  server({
    // Chromium's third-party cookie blocking compares schemeful sites too.
    name: 'None, Secure, HTTP page calling HTTPS API of the same domain',
    page: 'http://app.example.test', api,
    setCookie: 'user_token=x; Path=/; SameSite=None; Secure',
  }),
  // Chromium treats a cookie without SameSite as Lax, Firefox as None.
  server({ name: 'no SameSite across sites over plain HTTP', page: 'http://app.frontend.test',
    api: 'http://api.backend.test', setCookie: 'user_token=x; Path=/' }),
  server({ name: 'no Vary: Origin', page: local, api: local, setCookie: lax,
    set: without(cors, 'Vary'), get: without(cors, 'Vary') }),

  server({
    name: 'preflight passes for PUT with X-Token', page: local, api: local, setCookie: lax,
    preflight: preflightOK, request: { method: 'PUT', headers: { 'X-Token': '1' } },
  }),
  server({
    name: 'preflight answered 405', page: local, api: local, setCookie: lax,
    preflight: { status: 405, headers: preflightOK.headers },
    request: { headers: { 'X-Token': '1' } },
  }),
  server({
    name: 'preflight refuses the X-Token header', page: local, api: local, setCookie: lax,
    preflight: { ...preflightOK, headers: { ...preflightOK.headers,
      'Access-Control-Allow-Headers': 'Content-Type' } },
    request: { headers: { 'X-Token': '1' } },
  }),
  server({
    name: 'preflight without Access-Control-Allow-Methods for PUT', page: local, api: local,
    setCookie: lax,
    preflight: { ...preflightOK,
      headers: without(preflightOK.headers, 'Access-Control-Allow-Methods') },
    request: { method: 'PUT' },
  }),

  server({ name: 'cookie of 4097 bytes (name and value)', page: local, api: local,
    setCookie: `user_token=${'x'.repeat(4087)}; Path=/; SameSite=Lax` }),
  server({ name: 'cookie of exactly 4096 bytes (name and value)', page: local, api: local,
    setCookie: `user_token=${'x'.repeat(4086)}; Path=/; SameSite=Lax` }),
  server({
    name: '__Host- cookie with Domain', page: app, api, cookie: '__Host-user_token',
    setCookie: '__Host-user_token=x; Path=/; SameSite=Lax; Secure; Domain=api.example.test',
  }),
  server({ name: '__Host- cookie done right over HTTPS', page: app, api,
    cookie: '__Host-user_token', setCookie: '__Host-user_token=x; Path=/; SameSite=Lax; Secure' }),
  server({ name: '__Secure- cookie without Secure', page: app, api,
    cookie: '__Secure-user_token', setCookie: '__Secure-user_token=x; Path=/; SameSite=Lax' }),
  server({ name: 'Domain of the parent domain, same-site HTTPS', page: app, api,
    setCookie: `${lax}; Secure; Domain=example.test` }),
  server({ name: 'Domain of an unrelated domain', page: app, api,
    setCookie: `${lax}; Secure; Domain=backend.test` }),
  server({ name: 'Domain=localhost from localhost', page: local, api: local,
    setCookie: `${lax}; Domain=localhost` }),
  server({ name: 'Partitioned without Secure, same-site HTTP', page: local, api: local,
    setCookie: `${lax}; Partitioned` }),
  server({ name: 'Path=/other', page: local, api: local,
    setCookie: 'user_token=x; Path=/other; SameSite=Lax' }),
  server({ name: 'Max-Age=0', page: local, api: local, setCookie: `${lax}; Max-Age=0` }),
  server({ name: 'Expires in the past', page: local, api: local,
    setCookie: `${lax}; Expires=Thu, 01 Jan 2015 00:00:00 GMT` }),
  server({
    name: 'Access-Control-Allow-Credentials: True, capitalized', page: local, api: local,
    setCookie: lax, get: { ...cors, 'Access-Control-Allow-Credentials': 'True' },
  }),
  server({
    name: 'Access-Control-Allow-Origin with a trailing slash', page: local, api: local,
    setCookie: lax, get: { ...cors, 'Access-Control-Allow-Origin': '{origin}/' },
  }),
  server({
    name: 'Access-Control-Allow-Origin in upper case', page: local, api: local, setCookie: lax,
    get: { ...cors, 'Access-Control-Allow-Origin': (origin) => origin.toUpperCase() },
  }),
  // 127.0.0.1 and localhost are two sites.
  server({ name: 'page on 127.0.0.1 calling localhost over HTTP, Lax', page: loopback,
    api: local, setCookie: lax }),
  server({ name: 'page on 127.0.0.1 calling localhost over HTTP, no SameSite', page: loopback,
    api: local, setCookie: 'user_token=x; Path=/' }),
  server({ name: 'page on 127.0.0.1 calling localhost over HTTP, None, Secure',
    page: loopback, api: local, setCookie: 'user_token=x; Path=/; SameSite=None; Secure' }),
  server({ name: 'page on 127.0.0.1 calling localhost over HTTP, None, Secure, Partitioned',
    page: loopback, api: local,
    setCookie: 'user_token=x; Path=/; SameSite=None; Secure; Partitioned' }),
]

// mappedHosts are the host names the browsers and the doctor must map to 127.0.0.1.
export const mappedHosts = [...new Set(setups.flatMap((s) => [s.page, s.api])
  .map((origin) => new URL(origin).hostname)
  .filter((host) => host !== 'localhost' && host !== '127.0.0.1'))]

// place gives a setup its ports, and derives its origins and URLs.
export function place(setup, ports) {
  setup.ports = ports
  setup.pageOrigin = `${setup.page}:${ports.page}`
  setup.apiOrigin = `${setup.api}:${ports.api}`
  setup.setURL = `${setup.apiOrigin}/set-cookie`
  setup.getURL = `${setup.apiOrigin}/get-cookie`
  return setup
}
