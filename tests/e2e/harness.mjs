// Starts corscookie processes and browsers for the end-to-end tests, and drives the demo page.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import puppeteer from 'puppeteer-core'

const here = dirname(fileURLToPath(import.meta.url))

export const bin = process.env.CORSCOOKIE_BIN || resolve(here, '../../bin/corscookie')
export const artifacts = join(here, 'artifacts')

// freePorts returns n distinct loopback ports that were free a moment ago.
export async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, listenOnce))
  const ports = servers.map((server) => server.address().port)
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))))
  return ports
}

function listenOnce() {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => done(server))
  })
}

// Corscookie is one corscookie process with its API and page, on localhost by default.
// Process is a running corscookie binary and the JSON log lines of its stderr.
export class Process {
  lines = []

  // spawn starts the binary with args and waits for its "listening" line. dir becomes
  // $XDG_CONFIG_HOME, where -tls-self-signed keeps its certificate.
  async spawn(args, dir) {
    const env = { ...process.env, XDG_CONFIG_HOME: dir }
    this.child = spawn(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    this.child.on('error', (err) => {
      this.failure = `cannot run ${bin} (make build, or set CORSCOOKIE_BIN): ${err.message}`
    })
    createInterface({ input: this.child.stderr }).on('line', (line) => this.lines.push(line))
    await this.waitForRecord((r) => r.msg === 'listening', { ms: 10_000 })
    return this
  }

  // records are the JSON log lines written so far, from line number `from` on.
  records(from = 0) {
    return this.lines.slice(from).flatMap((line) => {
      try {
        return [JSON.parse(line)]
      } catch {
        return []
      }
    })
  }

  // waitForRecord resolves with the first log record from line `from` on that matches,
  // and fails when the process exits or nothing matches within ms.
  async waitForRecord(matches, { from = 0, ms = 3_000 } = {}) {
    const deadline = Date.now() + ms
    for (;;) {
      const record = this.records(from).find(matches)
      if (record) return record
      if (this.failure) throw new Error(this.failure)
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`${bin} exited (${this.child.exitCode ?? this.child.signalCode})` +
          `\n${this.tail()}`)
      }
      if (Date.now() > deadline) throw new Error(`no such log line in ${ms} ms\n${this.tail()}`)
      await delay(25)
    }
  }

  tail(n = 20) {
    return `stderr, last ${n} lines:\n${this.lines.slice(-n).join('\n')}`
  }

  // stop sends SIGTERM, and SIGKILL when the process has not exited 5 s later.
  async stop() {
    const { child } = this
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
  }
}

// Corscookie is one process serving the demo page and the API.
export class Corscookie extends Process {
  // apiURL is what the page calls: by default this process's own API.
  // origins are the origins the API allows: by default this process's page.
  // With hosts ({ api, web }), both listen on 127.0.0.1 and serve HTTPS under those names,
  // with the certificate -tls-self-signed makes; the browser must map the names to
  // 127.0.0.1 (see launch). flags are added to the command line.
  constructor({ apiPort, webPort, apiURL, origins, hosts, flags = [] }) {
    super()
    const scheme = hosts ? 'https' : 'http'
    const { api, web } = hosts ?? { api: 'localhost', web: 'localhost' }
    this.hosts = hosts
    this.ownAPI = `${scheme}://${api}:${apiPort}`
    this.apiURL = apiURL ?? this.ownAPI
    this.webURL = `${scheme}://${web}:${webPort}`
    this.origins = origins ?? [this.webURL]
    this.flags = flags
    const listen = hosts ? '127.0.0.1' : 'localhost'
    this.addrs = { api: `${listen}:${apiPort}`, web: `${listen}:${webPort}` }
  }

  async start() {
    this.dir = await mkdtemp(join(tmpdir(), 'corscookie-e2e-'))
    return this.spawn(this.args(), this.dir)
  }

  args() {
    return [
      '-api-addr', this.addrs.api,
      '-web-addr', this.addrs.web,
      '-api-url', this.apiURL,
      '-origins', this.origins.join(','),
      '-keys-file', join(this.dir, 'keys'),
      '-log-format', 'json',
      ...(this.hosts ? ['-tls-self-signed', `${this.hosts.web},${this.hosts.api}`] : []),
      ...this.flags,
    ]
  }

  tail(n = 20) {
    return `${this.webURL} ${super.tail(n)}`
  }

  async stop() {
    await super.stop()
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
  }
}

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

// hostArgs map the host names to 127.0.0.1 and accept their self-signed certificates.
function hostArgs(hosts) {
  if (!hosts.length) return []
  const rules = hosts.map((host) => `MAP ${host} 127.0.0.1`).join(', ')
  return [`--host-resolver-rules=${rules}`, '--ignore-certificate-errors']
}

// launchChromium starts Chromium with a fresh profile and its default cookie settings,
// which block third-party cookies. hosts are names to resolve to 127.0.0.1.
async function launchChromium({ hosts = [] } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'corscookie-chromium-'))
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: [...chromiumArgs, ...hostArgs(hosts), `--user-data-dir=${profile}`],
  })
  return { browser, profile }
}

// puppeteer's Firefox profile turns Total Cookie Protection off; these are the values
// Firefox ships, so the tests see what users get.
const firefoxPrefs = {
  'network.cookie.cookieBehavior': 5,
  'browser.contentblocking.features.standard': [
    '-tp', 'tpPrivate', 'cookieBehavior5', 'cookieBehaviorPBM5', '-cryptoTP', '-fp',
  ].join(','),
}

// launchFirefox starts Firefox ESR with the cookie preferences it ships. hosts are names to
// resolve to 127.0.0.1; their self-signed certificates are then accepted.
async function launchFirefox({ hosts = [] } = {}) {
  const local = hosts.length ? { 'network.dns.localDomains': hosts.join(',') } : {}
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: process.env.FIREFOX_BIN || '/usr/bin/firefox-esr',
    headless: true,
    acceptInsecureCerts: hosts.length > 0,
    extraPrefsFirefox: { ...firefoxPrefs, ...local },
  })
  return { browser }
}

// browsers are the browsers every scenario runs in.
export const browsers = [
  { name: 'chromium', launch: launchChromium },
  { name: 'firefox', launch: launchFirefox },
]

export async function closeBrowser({ browser, profile }) {
  await browser?.close()
  if (profile) await rm(profile, { recursive: true, force: true })
}

// apiCookie returns the user_token cookie the browser context holds for localhost, if any.
// Cookies ignore ports, so it is the same cookie whichever API port set it.
export async function apiCookie(context) {
  const cookies = await context.cookies()
  return cookies.find((c) => c.name === 'user_token' && c.domain === 'localhost')
}

const statusSelector = '::-p-aria([role="status"])'

// DemoPage is one tab showing the demo page.
export class DemoPage {
  errors = []
  warnings = []

  constructor(page) {
    this.page = page
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.errors.push(`console error: ${msg.text()}`)
      if (msg.type() === 'warn') this.warnings.push(msg.text())
    })
    page.on('pageerror', (err) => this.errors.push(`pageerror: ${err.message}`))
  }

  static async open(context, url) {
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    await page.setViewport({ width: 900, height: 700 })
    const demo = new DemoPage(page)
    await demo.load(() => page.goto(url))
    return demo
  }

  async load(navigate) {
    await navigate()
    await this.page.waitForSelector(statusSelector)
  }

  reload() {
    return this.load(() => this.page.reload())
  }

  // status is the text of the status region; load has waited for it.
  async status(selector = statusSelector) {
    const status = await this.page.$(selector)
    return status.evaluate((el) => el.innerText.trim())
  }

  // press clicks the button and returns the status once it has changed. A press whose
  // answer repeats the shown status would time out: the scenarios avoid that.
  async press(name) {
    // ARIA queries did not return in a Chromium tab left in the background.
    await this.page.bringToFront()
    const status = await this.page.$(statusSelector)
    const before = await status.evaluate((el) => el.innerText.trim())
    await this.page.locator(`::-p-aria([name="${name}"][role="button"])`).click()
    await this.page.waitForFunction((el, old) => el.innerText.trim() !== old,
      { polling: 'mutation' }, status, before)
    return this.status()
  }

  async documentCookie() {
    return this.page.evaluate(() => document.cookie)
  }

  // report says what the tab showed, for failure messages.
  async report() {
    // A plain CSS query, as the tab may be in the background (see press).
    const status = await this.status('[role="status"]')
      .catch((err) => `(unreadable: ${err.message})`)
    const errors = this.errors.length ? `\n  ${this.errors.join('\n  ')}` : ' none'
    return `${this.page.url()}\n  status: ${status}\n  errors:${errors}`
  }
}
