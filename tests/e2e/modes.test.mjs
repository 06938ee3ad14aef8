// The README's HTTPS modes against the real binary, in Chromium and Firefox with their default
// cookie settings: same-site (mode 2), cross-site with a Partitioned cookie (mode 3), and mode 3
// without Partitioned, to show why it is there. Fake host names resolve to 127.0.0.1 in the
// browser; corscookie serves HTTPS with the certificate -tls-self-signed makes, which the
// browser is told to accept.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { Corscookie, DemoPage, browsers, closeBrowser, freePorts } from './harness.mjs'

const retrieved = /^Cookie retrieved! \(Token: [A-Za-z0-9_-]{43}\)$/

// notSentBack is the hint the page adds when a Get right after a Set finds no cookie.
const notSentBack = 'The API did set the cookie, but the browser did not send it back.'

// modes are the command lines the README gives, less the ports, -keys-file and -log-format:
// the harness adds -api-addr, -web-addr, -origins, -api-url and -tls-self-signed from hosts.
// expect says what each browser does: 'works' (the cookie is stored and sent back), or
// 'blocked' with the reason Chromium gives for dropping the Set-Cookie.
// partitioned says whether the stored cookie belongs to the page's site only.
const modes = [
  {
    title: 'mode 2, same-site over HTTPS',
    hosts: { web: 'app.example.test', api: 'api.example.test' },
    flags: ['-secure', '-cookie-name', '__Host-user_token'],
    cookie: { name: '__Host-user_token', sameSite: 'Lax' },
    expect: { chromium: 'works', firefox: 'works' },
    partitioned: { chromium: false, firefox: false },
  },
  {
    title: 'mode 3, cross-site over HTTPS, Partitioned',
    hosts: { web: 'app.frontend.test', api: 'api.backend.test' },
    flags: ['-samesite', 'none', '-secure', '-partitioned'],
    cookie: { name: 'user_token', sameSite: 'None' },
    expect: { chromium: 'works', firefox: 'works' },
    partitioned: { chromium: true, firefox: true },
  },
  {
    // Chromium blocks third-party cookies; Firefox partitions them (Total Cookie Protection).
    title: 'mode 3 without -partitioned',
    hosts: { web: 'app.frontend.test', api: 'api.backend.test' },
    flags: ['-samesite', 'none', '-secure'],
    cookie: { name: 'user_token', sameSite: 'None' },
    expect: { chromium: { blocked: ['UserPreferences'] }, firefox: 'works' },
    partitioned: { firefox: true },
  },
]

const hosts = [...new Set(modes.flatMap((mode) => [mode.hosts.web, mode.hosts.api]))]

before(async () => {
  const ports = await freePorts(2 * modes.length)
  for (const [i, mode] of modes.entries()) {
    const [apiPort, webPort] = ports.slice(2 * i, 2 * i + 2)
    mode.server = new Corscookie({ apiPort, webPort, hosts: mode.hosts, flags: mode.flags })
  }
  await Promise.all(modes.map((mode) => mode.server.start()))
})

after(() => Promise.all(modes.map((mode) => mode.server?.stop())))

// storedCookie returns the mode's cookie as the browser context holds it, if any.
async function storedCookie(context, mode) {
  const cookies = await context.cookies()
  return cookies.find((c) => c.name === mode.cookie.name && c.domain === mode.hosts.api)
}

// topLevelGet opens the API's /get-cookie as a page of its own and returns the status: a
// cookie partitioned under the demo page's site is not sent there (404).
async function topLevelGet(context, mode) {
  const page = await context.newPage()
  try {
    const response = await page.goto(`${mode.server.apiURL}/get-cookie`)
    return response.status()
  } finally {
    await page.close()
  }
}

// watchBlockedCookies collects the reasons Chromium gives for each Set-Cookie it drops.
async function watchBlockedCookies(page) {
  const reasons = []
  const cdp = await page.createCDPSession()
  cdp.on('Network.responseReceivedExtraInfo', ({ blockedCookies = [] }) => {
    for (const { blockedReasons } of blockedCookies) reasons.push(...blockedReasons)
  })
  await cdp.send('Network.enable')
  return reasons
}

for (const { name, launch } of browsers) {
  describe(name, () => {
    let launched

    before(async () => {
      launched = await launch({ hosts })
    })

    after(() => closeBrowser(launched ?? {}))

    for (const mode of modes) {
      const expect = mode.expect[name]

      it(`${mode.title}: ${expect === 'works' ? 'Set, Get, Clear' : 'the cookie is blocked'}`,
        { timeout: 60_000 }, async (t) => {
          const context = await launched.browser.createBrowserContext()
          let page
          try {
            page = await DemoPage.open(context, mode.server.webURL)
            const blocked = name === 'chromium' ? await watchBlockedCookies(page.page) : []
            if (expect === 'works') {
              await setGetClear(context, page, mode, name)
            } else {
              await blockedFlow(context, page, mode, blocked, expect.blocked)
            }
          } catch (err) {
            const lines = [await page?.report(), mode.server.tail()].join('\n').split('\n')
            for (const line of lines) t.diagnostic(line)
            throw err
          } finally {
            await context.close()
          }
        })
    }
  })
}

// setGetClear walks Set, Get and Clear, and checks the stored cookie's attributes.
async function setGetClear(context, page, mode, browser) {
  assert.equal(await page.press('Set Cookie'), 'Cookie is set!')
  assert.match(await page.press('Get Cookie'), retrieved)

  const cookie = await storedCookie(context, mode)
  assert.ok(cookie, `the browser holds no ${mode.cookie.name} cookie for ${mode.hosts.api}`)
  assert.equal(cookie.secure, true)
  assert.equal(cookie.httpOnly, true)
  assert.equal(cookie.sameSite, mode.cookie.sameSite)
  // Chromium reports the partition key; Firefox's WebDriver BiDi does not, so the check
  // below is the one that holds in both.
  if (browser === 'chromium') {
    const key = mode.partitioned.chromium ? `https://${siteOf(mode.hosts.web)}` : undefined
    assert.equal(cookie.partitionKey?.sourceOrigin, key)
  }
  assert.equal(await topLevelGet(context, mode), mode.partitioned[browser] ? 404 : 200)

  assert.equal(await page.press('Clear Cookie'), 'Cookie cleared!')
  assert.equal(await storedCookie(context, mode), undefined)
  assert.equal(await page.press('Get Cookie'), 'No cookie found!')
}

// blockedFlow checks that the browser dropped the cookie, for the reasons given.
async function blockedFlow(context, page, mode, blocked, reasons) {
  assert.equal(await page.press('Set Cookie'), 'Cookie is set!')
  // The event may come after the page has shown the answer.
  for (let i = 0; i < 40 && blocked.length < reasons.length; i++) await delay(50)
  assert.deepEqual(blocked, reasons)

  const status = await page.press('Get Cookie')
  assert.equal(status.split('\n')[0], 'No cookie found!')
  assert.ok(status.includes(notSentBack), `status ${JSON.stringify(status)}, want the hint`)
  assert.equal(await storedCookie(context, mode), undefined)
}

// siteOf returns the registrable domain of a host name under .test: its last two labels.
function siteOf(host) {
  return host.split('.').slice(-2).join('.')
}
