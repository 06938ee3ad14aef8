// Servers of the doctor matrix: one API and one page per setup, on 127.0.0.1, over HTTP or
// HTTPS with a certificate for every host name; or the real corscookie binary as the API.

import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createServer as createHTTP } from 'node:http'
import { createServer as createHTTPS } from 'node:https'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Process } from '../harness.mjs'

const run = promisify(execFile)

// makeCert writes a self-signed certificate for names, localhost and 127.0.0.1 into dir.
export async function makeCert(dir, names) {
  const san = [...names, 'localhost'].map((n) => `DNS:${n}`).concat('IP:127.0.0.1')
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '2', '-subj', '/CN=test', '-addext', `subjectAltName=${san.join(',')}`,
    '-keyout', key, '-out', cert,
  ])
  return { cert: await readFile(cert), key: await readFile(key) }
}

// listen starts handler on 127.0.0.1:port, over HTTPS when tls is given.
async function listen(port, tls, handler) {
  const server = tls ? createHTTPS(tls, handler) : createHTTP(handler)
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return server
}

// close stops a server and drops its open connections.
export async function close(server) {
  if (!server?.listening) return
  const closed = once(server, 'close')
  server.close()
  server.closeAllConnections()
  await closed
}

// fill returns the answer's headers with {origin} replaced by the request's Origin; a
// function value gets the Origin and returns the header value.
function fill(headers, origin = '') {
  const out = {}
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'function') out[name] = value(origin)
    else if (Array.isArray(value)) out[name] = value
    else out[name] = value.replaceAll('{origin}', origin)
  }
  return out
}

// answer picks the setup's answer to a request: the preflight, the set or the get.
function answer(setup, req) {
  const path = new URL(req.url, 'http://x').pathname
  if (req.method === 'OPTIONS') return setup.preflight ?? { status: 404 }
  if (path === '/set-cookie' && req.method === 'GET') return setup.set
  if (path === '/get-cookie') return setup.get
  return { status: 404 }
}

// startAPI serves the setup's answers on its API port and records every request.
export async function startAPI(setup, tls) {
  const api = new RecordingAPI(setup)
  const https = setup.api.startsWith('https:')
  api.server = await listen(setup.ports.api, https && tls, (req, res) => api.serve(req, res))
  return api
}

// RecordingAPI answers as the setup says, and remembers the cookies each request carried.
class RecordingAPI {
  requests = []

  constructor(setup) {
    this.setup = setup
  }

  serve(req, res) {
    this.requests.push({ method: req.method, path: req.url, cookie: req.headers.cookie ?? '' })
    const { status = 200, headers = {} } = answer(this.setup, req)
    const filled = fill(headers, req.headers.origin)
    res.writeHead(status, { 'Content-Type': 'application/json', ...filled })
    res.end(JSON.stringify({ path: req.url, status }))
  }

  // mark returns where the requests of the next flow start.
  mark() {
    return this.requests.length
  }

  // sentBack reports whether a request to the get URL after from carried the cookie.
  async sentBack(from, name) {
    return this.requests.slice(from).some((r) => r.method !== 'OPTIONS' &&
      r.path.startsWith('/get-cookie') && cookieNames(r.cookie).includes(name))
  }

  // log describes the requests after from, cookie names only.
  log(from) {
    return this.requests.slice(from).map((r) =>
      `${r.method} ${r.path} cookies: [${cookieNames(r.cookie).join(', ')}]`)
  }

  stop() {
    return close(this.server)
  }
}

// cookieNames returns the names in a Cookie header.
function cookieNames(header) {
  return header.split(';').map((pair) => pair.split('=')[0].trim()).filter(Boolean)
}

// pageHTML is the page: it fetches the set URL, then the get URL with the setup's method
// and headers, both with credentials, and leaves what it could read in window.result.
function pageHTML(config) {
  return `<!doctype html>
<meta charset="utf-8">
<title>doctor matrix</title>
<script type="application/json" id="config">${JSON.stringify(config)}</script>
<script>
const config = JSON.parse(document.getElementById('config').textContent)
async function call(url, init) {
  try {
    const res = await fetch(url, { credentials: 'include', ...init })
    return { readable: true, status: res.status, body: await res.text() }
  } catch (err) {
    return { readable: false, error: String(err) }
  }
}
window.result = (async () => {
  const set = await call(config.setURL, {})
  const get = await call(config.getURL, { method: config.method, headers: config.headers })
  return { set, get }
})()
</script>
`
}

// startPage serves the setup's page at / on its page port.
export async function startPage(setup, tls) {
  const html = pageHTML({
    setURL: setup.setURL, getURL: setup.getURL,
    method: setup.request.method, headers: setup.request.headers,
  })
  const handler = (req, res) => {
    const found = new URL(req.url, 'http://x').pathname === '/'
    res.writeHead(found ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(found ? html : '')
  }
  return listen(setup.ports.page, setup.page.startsWith('https:') && tls, handler)
}

// Binary is the corscookie binary serving a setup's API alone (-web-addr ''), for the page
// of the matrix's own page server.
export class Binary extends Process {
  constructor(setup, dir) {
    super()
    this.setup = setup
    this.dir = dir
  }

  args() {
    const { setup, dir } = this
    const https = setup.api.startsWith('https:')
    const host = new URL(setup.apiOrigin).hostname
    return [
      '-api-addr', `127.0.0.1:${setup.ports.api}`, '-web-addr', '',
      '-origins', setup.pageOrigin, '-keys-file', join(dir, 'keys'), '-log-format', 'json',
      ...(https ? ['-tls-self-signed', host] : []), ...setup.flags,
    ]
  }

  start() {
    return this.spawn(this.args(), this.dir)
  }

  mark() {
    return this.lines.length
  }

  // sentBack reports whether a Get after line from arrived with a cookie: corscookie
  // answers 404 only when none came. Its log line may follow the answer by a moment.
  async sentBack(from) {
    const get = (r) => r.msg === 'request' && r.method === 'GET' && r.path === '/get-cookie'
    await this.waitForRecord(get, { from, ms: 2_000 }).catch(() => {})
    return this.records(from).some((r) => get(r) && r.status !== 404)
  }

  log(from) {
    return this.records(from).filter((r) => r.msg === 'request')
      .map((r) => `${r.method} ${r.path} status ${r.status}`)
  }
}

// startSetup starts the setup's page and API: tls is the certificate for HTTPS, dir a
// directory of its own for the corscookie binary's keys and certificate.
export async function startSetup(setup, { tls, dir }) {
  setup.pageServer = await startPage(setup, tls)
  setup.apiServer = setup.kind === 'corscookie'
    ? await new Binary(setup, dir).start()
    : await startAPI(setup, tls)
}

export async function stopSetup(setup) {
  await close(setup.pageServer)
  await setup.apiServer?.stop()
}
