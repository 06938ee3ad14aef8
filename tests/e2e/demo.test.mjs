// The demo page against the real binary, in Chromium and Firefox: every scenario runs in a
// fresh browser context of one browser per kind.

import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  Corscookie,
  DemoPage,
  apiCookie,
  artifacts,
  browsers,
  closeBrowser,
  freePorts,
} from './harness.mjs'

const retrieved = /^Cookie retrieved! \(Token: ([A-Za-z0-9_-]{43})\)$/

// blocked is the status when the page cannot read the API's answer (static/src/messages.js).
function blocked(pageOrigin, url) {
  return (
    `Request blocked or API unreachable: ${pageOrigin} could not read ${url}. ` +
    'The browser hides the reason from scripts: ' +
    "check the API's allowed origins and that it is running."
  )
}

function tokenOf(status) {
  assert.match(status, retrieved)
  return status.match(retrieved)[1]
}

// allowed serves the API and the one page it allows. refused serves a page on another port
// that calls allowed's API; its own API is never called.
let allowed
let refused

before(async () => {
  const [apiPort, webPort, unusedPort, refusedPort] = await freePorts(4)
  allowed = new Corscookie({ apiPort, webPort })
  refused = new Corscookie({ apiPort: unusedPort, webPort: refusedPort, apiURL: allowed.apiURL })
  await Promise.all([allowed.start(), refused.start()])
})

after(() => Promise.all([allowed?.stop(), refused?.stop()]))

for (const { name, launch } of browsers) {
  describe(name, () => {
    let launched

    before(async () => {
      launched = await launch()
    })

    after(() => closeBrowser(launched ?? {}))

    // scenario runs body in a new browser context and, when it fails, prints what each tab
    // showed and the servers' last log lines.
    function scenario(title, body) {
      it(title, { timeout: 60_000 }, async (t) => {
        const context = await launched.browser.createBrowserContext()
        const pages = []
        const open = async (url = allowed.webURL) => {
          pages.push(await DemoPage.open(context, url))
          return pages.at(-1)
        }

        try {
          await body({ context, open })
        } catch (err) {
          const reports = await Promise.all(pages.map((page) => page.report()))
          const lines = [...reports, allowed.tail(), refused.tail()].join('\n').split('\n')
          for (const line of lines) t.diagnostic(line)
          throw err
        } finally {
          await context.close()
        }
      })
    }

    scenario('Get before Set shows "No cookie found!"', async ({ open }) => {
      const page = await open()

      assert.equal(await page.press('Get Cookie'), 'No cookie found!')
    })

    scenario('Set then Get shows the token of an HttpOnly cookie', async ({ context, open }) => {
      const page = await open()
      assert.equal(await page.press('Set Cookie'), 'Cookie is set!')
      const token = tokenOf(await page.press('Get Cookie'))

      const cookie = await apiCookie(context)
      assert.ok(cookie, 'the browser holds no user_token cookie for localhost')
      assert.equal(cookie.httpOnly, true)
      assert.equal(cookie.sameSite, 'Lax')
      assert.doesNotMatch(await page.documentCookie(), /user_token/)

      // Another tab, as a repeated Get leaves this tab's status unchanged.
      const second = await open()
      assert.equal(tokenOf(await second.press('Get Cookie')), token)
    })

    scenario('Clear then Get shows "No cookie found!"', async ({ context, open }) => {
      const page = await open()
      assert.equal(await page.press('Set Cookie'), 'Cookie is set!')

      assert.equal(await page.press('Clear Cookie'), 'Cookie cleared!')
      assert.equal(await apiCookie(context), undefined)
      assert.equal(await page.press('Get Cookie'), 'No cookie found!')
    })

    scenario('reloading the page keeps the session', async ({ open }) => {
      const page = await open()
      assert.equal(await page.press('Set Cookie'), 'Cookie is set!')

      await page.reload()
      assert.equal(await page.status(), 'No request yet: press a button to call the API.')
      tokenOf(await page.press('Get Cookie'))
    })

    scenario('a page on a refused origin cannot read the token', async ({ context, open }) => {
      const page = await open()
      assert.equal(await page.press('Set Cookie'), 'Cookie is set!')

      const other = await open(refused.webURL)
      const from = allowed.lines.length
      const url = `${allowed.apiURL}/get-cookie`
      assert.equal(await other.press('Get Cookie'), blocked(refused.webURL, url))
      assert.ok(await apiCookie(context), 'the user_token cookie is gone')

      // The browser sent the cookie (200, not 404): only CORS kept the answer from the page.
      const request = await allowed.waitForRecord((r) => r.msg === 'request' &&
        r.path === '/get-cookie' && r.origin === refused.webURL, { from })
      assert.equal(request.status, 200)
      await allowed.waitForRecord((r) => r.msg === 'origin refused' &&
        r.origin === refused.webURL, { from })
    })

    scenario('Set, Get and Clear log no errors in the page', async ({ open }) => {
      const page = await open()

      assert.equal(await page.press('Set Cookie'), 'Cookie is set!')
      tokenOf(await page.press('Get Cookie'))
      assert.equal(await page.press('Clear Cookie'), 'Cookie cleared!')
      assert.deepEqual(page.errors, [])
    })

    scenario('screenshot after Set and Get', async ({ open }) => {
      const page = await open()
      assert.equal(await page.press('Set Cookie'), 'Cookie is set!')
      tokenOf(await page.press('Get Cookie'))

      await page.page.mouse.move(0, 0) // no hover colour on the button just clicked
      await mkdir(artifacts, { recursive: true })
      const path = join(artifacts, `screenshot-${name}.png`)
      const png = Buffer.from(await page.page.screenshot({ path, fullPage: true }))
      assert.equal(png.toString('latin1', 1, 4), 'PNG')
      // Firefox leaves its scrollbar out of the width.
      const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)]
      assert.ok(width > 860 && width <= 900, `width ${width}, want about 900`)
      assert.ok(height >= 700, `height ${height}, want 700 or more`)
    })
  })
}
