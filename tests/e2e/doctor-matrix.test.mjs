// The browser-agreement matrix of corscookie check: for each server setup in
// matrix/setups.mjs, the page runs in headless Chromium and Firefox with their default cookie
// settings, and the doctor's verdict for each browser (is the response readable, is the
// cookie stored, is it sent back) must equal what that browser did.

import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { browsers, closeBrowser, freePorts } from './harness.mjs'
import { findings, runDoctor, verdictOf } from './matrix/doctor.mjs'
import { observe } from './matrix/flow.mjs'
import { makeCert, startSetup, stopSetup } from './matrix/servers.mjs'
import { mappedHosts, place, setups } from './matrix/setups.mjs'

// verbose prints every setup's details, not only those of a mismatch.
const verbose = Boolean(process.env.MATRIX_VERBOSE)

let dir

// Every setup gets its servers, then one doctor run, before any browser starts: the
// doctor's requests must not mix with a browser's in the API's record.
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corscookie-matrix-'))
  const tls = await makeCert(dir, mappedHosts)
  const ports = await freePorts(2 * setups.length)
  await Promise.all(setups.map(async (setup, i) => {
    place(setup, { page: ports[2 * i], api: ports[2 * i + 1] })
    const own = join(dir, String(i))
    await mkdir(own)
    await startSetup(setup, { tls, dir: own })
    setup.doctor = await runDoctor(setup)
  }))
})

after(async () => {
  await Promise.all(setups.map(stopSetup))
  if (dir) await rm(dir, { recursive: true, force: true })
})

for (const { name, launch } of browsers) {
  describe(`doctor matrix in ${name}`, () => {
    let launched

    before(async () => {
      launched = await launch({ hosts: mappedHosts })
    })

    after(() => closeBrowser(launched ?? {}))

    for (const setup of setups) {
      it(setup.name, { timeout: 30_000 }, async (t) => {
        const seen = await observe(launched, name, setup)
        const said = verdictOf(setup.doctor.report, name)
        const details = explain(setup, name, said, seen)
        const show = verbose || !isDeepStrictEqual(said, seen.verdict)
        if (show) for (const line of details) t.diagnostic(line)
        assert.deepEqual(said, seen.verdict, `doctor (actual) vs ${name} (expected)`)
      })
    }
  })
}

// explain lists what a mismatch needs to be understood: the setup, both verdicts, what the
// browser showed and the doctor's findings.
function explain(setup, browser, said, seen) {
  const yes = (v) => Object.entries(v).map(([k, b]) => `${k} ${b ? 'yes' : 'no'}`).join(', ')
  return [
    `setup: ${setup.name}: page ${setup.pageOrigin}, API ${setup.apiOrigin}`,
    `answers: ${JSON.stringify({ set: setup.set, get: setup.get, preflight: setup.preflight,
      request: setup.request, flags: setup.flags })}`,
    `doctor:  ${yes(said)}`,
    `${browser}: ${yes(seen.verdict)}`,
    `page saw: ${JSON.stringify(seen.result)}`,
    `store: ${seen.stored.join('; ') || 'empty'}`,
    `API saw: ${seen.requests.join('; ')}`,
    ...seen.notes,
    `corscookie ${setup.doctor.args.join(' ')} (exit ${setup.doctor.exit}):`,
    ...findings(setup.doctor.report).map((f) => `  ${f}`),
  ]
}
