// Runs a setup's page in a browser and observes what the browser did: could the script read
// the get response, is the cookie in the browser's store, did the get request carry it.

// observe runs the page in a fresh context of launched's browser and returns the verdict
// observed, and notes for failure messages.
export async function observe(launched, browser, setup) {
  const context = await launched.browser.createBrowserContext()
  try {
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    const notes = browser === 'chromium' ? await watchChromium(page, setup) : watchConsole(page)
    const from = setup.apiServer.mark()
    await page.goto(`${setup.pageOrigin}/`)
    const result = await page.evaluate(() => window.result)
    const stored = await storedCookies(context, setup)
    const sentBack = await setup.apiServer.sentBack(from, setup.cookie)
    const verdict = { readable: result.get.readable, stored: stored.length > 0, sentBack }
    return { verdict, notes: notes(), result, stored, requests: setup.apiServer.log(from) }
  } finally {
    await context.close()
  }
}

// storedCookies returns the setup's cookie as the context holds it: one entry, or none.
// Chromium lists partitioned cookies too, with their partition key.
async function storedCookies(context, setup) {
  const cookies = await context.cookies()
  return cookies.filter((c) => c.name === setup.cookie).map(describeCookie)
}

function describeCookie(c) {
  const key = c.partitionKey?.sourceOrigin ?? c.partitionKey ?? ''
  return `${c.name} (${c.value.length} bytes) domain=${c.domain} path=${c.path} ` +
    `secure=${c.secure} sameSite=${c.sameSite}${key ? ` partitionKey=${key}` : ''}`
}

// watchChromium collects the reasons Chromium gives for refusing to store or to send the
// setup's cookie, from the DevTools protocol. The returned function formats them.
async function watchChromium(page, setup) {
  const urls = new Map()
  const notes = []
  const cdp = await page.createCDPSession()
  cdp.on('Network.requestWillBeSent', ({ requestId, request }) => urls.set(requestId, request.url))
  cdp.on('Network.responseReceivedExtraInfo', ({ requestId, blockedCookies = [] }) => {
    for (const { blockedReasons, cookie, cookieLine } of blockedCookies) {
      const name = cookie?.name ?? cookieLine.split('=')[0]
      if (name === setup.cookie) notes.push([requestId, 'refused to store from', blockedReasons])
    }
  })
  cdp.on('Network.requestWillBeSentExtraInfo', ({ requestId, associatedCookies = [] }) => {
    for (const { blockedReasons, cookie } of associatedCookies) {
      if (cookie.name === setup.cookie && blockedReasons.length) {
        notes.push([requestId, 'did not send it with', blockedReasons])
      }
    }
  })
  await cdp.send('Network.enable')
  return () => notes.map(([id, what, reasons]) =>
    `Chromium ${what} ${urls.get(id) ?? 'a request'}: ${reasons.join(', ')}`)
}

// watchConsole collects the page's console warnings and errors.
function watchConsole(page) {
  const notes = []
  page.on('console', (msg) => {
    if (msg.type() === 'warn' || msg.type() === 'error') notes.push(`console: ${msg.text()}`)
  })
  return () => notes
}
