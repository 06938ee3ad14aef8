// Runs corscookie check on a setup, with the page's origin, method and headers, and the
// names the browsers map to 127.0.0.1 mapped the same way with -resolve.

import { execFile } from 'node:child_process'
import { bin } from '../harness.mjs'

// doctorArgs are the command line for setup: check its get URL after its set URL.
export function doctorArgs(setup) {
  const { method, headers } = setup.request
  const args = ['check', '-json', '-insecure', '-origin', setup.pageOrigin, '-set', setup.setURL]
  if (method !== 'GET') args.push('-method', method)
  for (const [name, value] of Object.entries(headers)) args.push('-header', `${name}: ${value}`)
  const api = new URL(setup.apiOrigin)
  if (!['localhost', '127.0.0.1'].includes(api.hostname)) {
    args.push('-resolve', `${api.hostname}:${api.port}:127.0.0.1`)
  }
  return [...args, setup.getURL]
}

// runDoctor returns the report corscookie check prints: exit 0 and 1 both give one, 2 is
// input the doctor refused.
export function runDoctor(setup) {
  const args = doctorArgs(setup)
  const env = { ...process.env }
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete env[name]
  return new Promise((done, fail) => {
    execFile(bin, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && err.code !== 1) {
        fail(new Error(`corscookie ${args.join(' ')}: ${err.message}\n${stderr}`))
        return
      }
      done({ args, report: JSON.parse(stdout), exit: err ? err.code : 0 })
    })
  })
}

// verdictOf returns the doctor's verdict for one browser, in the observed shape.
export function verdictOf(report, browser) {
  const v = report[browser]
  return { readable: v.readable, stored: v.stored, sentBack: v.sent_back }
}

// findings formats the report's findings, one per line.
export function findings(report) {
  return report.findings.map((f) => `${f.level} ${f.step}: ${f.says}`)
}
