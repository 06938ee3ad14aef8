import { AxiosError } from 'axios'
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from './App.vue'

const API = 'http://localhost:5000'
const PAGE = 'http://localhost:8080'

const POLICY = {
  cookie: {
    name: 'user_token',
    sameSite: 'Lax',
    secure: false,
    httpOnly: true,
    partitioned: false,
    maxAge: 86400,
    domain: '',
  },
}

// Fake server: routes map "METHOD /path" to a reply; every request is recorded.
const server = vi.hoisted(() => ({ routes: {}, requests: [] }))

vi.mock('./api.js', async (importOriginal) => {
  const real = await importOriginal()
  const adapter = (config) => {
    server.requests.push(config)
    const route = server.routes[`${config.method.toUpperCase()} ${config.url}`]
    return route ? route(config) : Promise.reject(new Error(`no route for ${config.url}`))
  }
  return { createApi: (apiUrl) => real.createApi(apiUrl, { adapter }) }
})

function reply(status, body) {
  return (config) => {
    const response = {
      data: JSON.stringify(body),
      status,
      statusText: '',
      headers: { 'content-type': 'application/json' },
      config,
      request: {},
    }
    if (status < 400) return Promise.resolve(response)
    const code = status < 500 ? AxiosError.ERR_BAD_REQUEST : AxiosError.ERR_BAD_RESPONSE
    const message = `Request failed with status code ${status}`
    return Promise.reject(new AxiosError(message, code, config, {}, response))
  }
}

// What axios gives when CORS blocks the response or nothing listens: no response at all.
function networkError(config) {
  return Promise.reject(new AxiosError('Network Error', AxiosError.ERR_NETWORK, config, {}))
}

// Buttons by role and accessible name (their text, as none has an aria-label).
function button(wrapper, name) {
  const found = wrapper.findAll('button, [role="button"]').filter((el) => {
    const label = el.attributes('aria-label') ?? el.text()
    return label.trim() === name
  })
  expect(found, `one button named "${name}"`).toHaveLength(1)
  return found[0]
}

function status(wrapper) {
  return wrapper.get('[role="status"]')
}

function setupPanel(wrapper) {
  const section = wrapper.get('section[aria-label="Setup"]')
  const terms = section.findAll('dt').map((dt) => dt.text())
  const values = section.findAll('dd').map((dd) => dd.text())
  return { text: section.text(), fields: Object.fromEntries(terms.map((t, i) => [t, values[i]])) }
}

async function mountApp() {
  const wrapper = mount(App, { props: { apiUrl: API } })
  await flushPromises()
  return wrapper
}

async function press(wrapper, name) {
  await button(wrapper, name).trigger('click')
  await flushPromises()
}

beforeEach(() => {
  server.routes = { 'GET /config': reply(200, POLICY) }
  server.requests = []
  vi.spyOn(console, 'error')
  vi.spyOn(console, 'warn')
  vi.spyOn(console, 'log')
})

afterEach(() => {
  expect(console.error).not.toHaveBeenCalled()
  expect(console.warn).not.toHaveBeenCalled()
  expect(console.log).not.toHaveBeenCalled()
  vi.restoreAllMocks()
})

describe('page', () => {
  it('has the heading, the three buttons and a polite status region', async () => {
    const wrapper = await mountApp()
    expect(wrapper.get('h1').text()).toBe('CORS + Cookies Demo')
    for (const name of ['Set Cookie', 'Get Cookie', 'Clear Cookie']) {
      expect(button(wrapper, name).element.tagName).toBe('BUTTON')
    }
    expect(status(wrapper).attributes('aria-live')).toBe('polite')
    expect(status(wrapper).text()).toContain('No request yet')
  })
})

describe('cookie buttons', () => {
  const set = { name: 'Set Cookie', route: 'POST /set-cookie' }
  const get = { name: 'Get Cookie', route: 'GET /get-cookie' }
  const clear = { name: 'Clear Cookie', route: 'POST /clear-cookie' }

  it.each([
    { ...set, status: 200, body: { message: 'Cookie is set!' }, expected: 'Cookie is set!' },
    {
      ...get,
      status: 200,
      body: { message: 'Cookie retrieved!', token: 'abc.123' },
      expected: 'Cookie retrieved! (Token: abc.123)',
    },
    {
      ...get,
      status: 404,
      body: { message: 'No cookie found!', error: 'missing_cookie' },
      expected: 'No cookie found!',
    },
    {
      ...get,
      status: 401,
      body: { message: 'Cookie signature does not match', error: 'invalid_cookie' },
      expected: 'Cookie signature does not match (invalid_cookie)',
    },
    {
      ...get,
      status: 401,
      body: { message: 'Cookie expired 5 minutes ago', error: 'expired_cookie' },
      expected: 'Cookie expired 5 minutes ago (expired_cookie)',
    },
    { ...clear, status: 200, body: { message: 'Cookie cleared!' }, expected: 'Cookie cleared!' },
    {
      ...set,
      status: 500,
      body: { message: 'Signing key unavailable', error: 'internal' },
      expected: 'Signing key unavailable (HTTP 500, internal)',
    },
    {
      ...get,
      status: 403,
      body: { message: 'Origin not allowed' },
      expected: 'Origin not allowed (HTTP 403)',
    },
  ])('$name answered with HTTP $status shows $expected', async (c) => {
    server.routes[c.route] = reply(c.status, c.body)
    const wrapper = await mountApp()
    await press(wrapper, c.name)
    expect(status(wrapper).find('.message').text()).toBe(c.expected)
    expect(status(wrapper).classes('error')).toBe(c.status >= 400)
    expect(button(wrapper, c.name).attributes('aria-disabled')).toBe('false')
  })

  it.each([
    ['Set Cookie', 'POST /set-cookie', '/set-cookie'],
    ['Get Cookie', 'GET /get-cookie', '/get-cookie'],
    ['Clear Cookie', 'POST /clear-cookie', '/clear-cookie'],
  ])('%s with no readable response names both origins', async (name, route, path) => {
    server.routes[route] = networkError
    const wrapper = await mountApp()
    await press(wrapper, name)
    const text = status(wrapper).text()
    expect(text).toContain('Request blocked or API unreachable')
    expect(text).toContain(`${PAGE} could not read ${API}${path}`)
  })

  it('shows an answer without JSON as unexpected, not as blocked', async () => {
    server.routes['GET /get-cookie'] = (config) =>
      Promise.resolve({ data: '<!doctype html>', status: 200, headers: {}, config })
    const wrapper = await mountApp()
    await press(wrapper, 'Get Cookie')
    expect(status(wrapper).text()).toBe(
      `Unexpected answer from ${API}/get-cookie (HTTP 200): expected JSON with a "message".`,
    )
  })

  it('calls the API with credentials and sends POSTs without a body', async () => {
    server.routes['POST /set-cookie'] = reply(200, { message: 'Cookie is set!' })
    const wrapper = await mountApp()
    await press(wrapper, 'Set Cookie')
    const post = server.requests.find((config) => config.url === '/set-cookie')
    expect(post.baseURL).toBe(API)
    expect(post.withCredentials).toBe(true)
    // With no data the browser adapters drop Content-Type, so no preflight is needed.
    expect(post.data).toBeUndefined()
  })

  it('explains a missing cookie right after a successful Set', async () => {
    server.routes['POST /set-cookie'] = reply(200, { message: 'Cookie is set!' })
    server.routes['GET /get-cookie'] = reply(404, {
      message: 'No cookie found!',
      error: 'missing_cookie',
    })
    const wrapper = await mountApp()
    await press(wrapper, 'Get Cookie')
    expect(status(wrapper).find('.hint').exists()).toBe(false)
    await press(wrapper, 'Set Cookie')
    await press(wrapper, 'Get Cookie')
    expect(status(wrapper).find('.message').text()).toBe('No cookie found!')
    expect(status(wrapper).find('.hint').text()).toContain('did not send it back')
  })
})

describe('setup panel', () => {
  it('shows both origins and the cookie policy from /config', async () => {
    const wrapper = await mountApp()
    expect(setupPanel(wrapper).fields).toEqual({
      'Page origin': PAGE,
      'API URL': API,
      Name: 'user_token',
      SameSite: 'Lax',
      Secure: 'no',
      HttpOnly: 'yes',
      Partitioned: 'no',
      'Max-Age': '86400 s (24h)',
      Domain: 'none (host-only)',
    })
  })

  it.each([
    [
      'blocked or unreachable',
      networkError,
      'Cookie policy could not be loaded. Request blocked or API unreachable: ' +
        `${PAGE} could not read ${API}/config.`,
    ],
    [
      'not a policy',
      (config) => Promise.resolve({ data: '<!doctype html>', status: 200, headers: {}, config }),
      `Cookie policy could not be loaded. ${API}/config did not answer with a "cookie".`,
    ],
    [
      'an HTTP error',
      reply(500, { message: 'Config broken', error: 'internal' }),
      'Cookie policy could not be loaded. Config broken (HTTP 500, internal)',
    ],
  ])('says the policy could not be loaded when /config is %s', async (_, handler, expected) => {
    server.routes['GET /config'] = handler
    const wrapper = await mountApp()
    const panel = setupPanel(wrapper)
    expect(panel.text).toContain(expected)
    expect(panel.fields).toEqual({ 'Page origin': PAGE, 'API URL': API })
  })
})
