// Turns API answers (and the lack of one) into the words the page shows.

export function endpoint(apiUrl, path) {
  return apiUrl.replace(/\/+$/, '') + path
}

export function unreachable(pageOrigin, url) {
  return (
    `Request blocked or API unreachable: ${pageOrigin} could not read ${url}. ` +
    'The browser hides the reason from scripts: ' +
    "check the API's allowed origins and that it is running."
  )
}

function body(data) {
  return data !== null && typeof data === 'object' ? data : {}
}

function unexpected(url, status) {
  return `Unexpected answer from ${url} (HTTP ${status}): expected JSON with a "message".`
}

export function describeSuccess(response, url, withToken = false) {
  const { message, token } = body(response.data)
  if (typeof message !== 'string') return unexpected(url, response.status)
  return withToken ? `${message} (Token: ${token})` : message
}

function describeHttpError({ status, data }, url) {
  const { message, error: code } = body(data)
  if (typeof message !== 'string') return unexpected(url, status)
  if (status === 404 && code === 'missing_cookie') return message
  if (status === 401) return code ? `${message} (${code})` : message
  return `${message} (HTTP ${status}${code ? `, ${code}` : ''})`
}

export function describeFailure(error, pageOrigin, url) {
  if (!error?.isAxiosError) return `Unexpected error: ${error?.message ?? error}`
  if (!error.response) return unreachable(pageOrigin, url)
  return describeHttpError(error.response, url)
}

function yesNo(value) {
  return value ? 'yes' : 'no'
}

export function formatMaxAge(seconds) {
  if (typeof seconds !== 'number' || seconds === 0) return 'not set (session cookie)'
  if (seconds < 0) return `${seconds} s (deleted at once)`
  const units = [
    [Math.floor(seconds / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ]
  const human = units
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ')
  return `${seconds} s (${human})`
}

export function describePolicy(cookie) {
  return [
    ['Name', cookie.name],
    ['SameSite', cookie.sameSite],
    ['Secure', yesNo(cookie.secure)],
    ['HttpOnly', yesNo(cookie.httpOnly)],
    ['Partitioned', yesNo(cookie.partitioned)],
    ['Max-Age', formatMaxAge(cookie.maxAge)],
    ['Domain', cookie.domain || 'none (host-only)'],
  ]
}
