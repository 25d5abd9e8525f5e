import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Issue 21: on Node 20 `npm install` warned EBADENGINE for the package itself and for more dependencies than
// the README named, and every `npx ntkw` repeated the package's own warning. The README's list must be exactly
// the installed packages whose `engines.node` excludes the running Node 20 (or 20.19, the oldest Node the
// README supports, when the tests run on a newer one); the package's own range admits Node 20 and Electron's.

const root = fileURLToPath(new URL('../..', import.meta.url))
// semver is npm's own range checker (a dependency of many of ours, hoisted); resolved from the project root
const semver = createRequire(path.join(root, 'package.json'))('semver') as { satisfies(v: string, range: string): boolean }
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; engines: { node: string } }
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: unknown }> }

/** the package names the README lists as still warning: in each item after "warns `EBADENGINE`", the backticked names before its colon */
function readmeList(): string[] {
  const at = readme.indexOf('`npm install` warns `EBADENGINE`')
  expect(at, 'README says which packages warn EBADENGINE').toBeGreaterThan(0)
  const items = readme.slice(at, readme.indexOf('\n\n', at)).split('\n').filter((l) => l.startsWith('- '))
  return items.flatMap((l) => [...l.slice(0, l.indexOf(': ')).matchAll(/`([^`]+)`/g)].map((m) => m[1]!)).sort()
}

/** every installed package (as the lockfile places it) whose engines.node does not admit `node` */
function warnsOn(node: string): string[] {
  const out = new Set<string>()
  for (const key of Object.keys(lock.packages)) {
    if (!key) continue
    const file = path.join(root, key, 'package.json')
    if (!existsSync(file)) continue // an optional dependency this platform skipped
    const p = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; engines?: { node?: string } }
    const range = p.engines && typeof p.engines === 'object' && !Array.isArray(p.engines) ? p.engines.node : undefined
    if (range && !semver.satisfies(node, range)) out.add(p.name ?? key.slice(key.lastIndexOf('node_modules/') + 13))
  }
  return [...out].sort()
}

describe('engines: what Node 20 warns about', () => {
  const node = process.versions.node.startsWith('20.') ? process.versions.node : '20.19.0'

  it(`the README names exactly the installed packages whose engines exclude Node ${node}`, () => {
    const listed = readmeList()
    expect(listed.length).toBeGreaterThan(0)
    expect(listed).toEqual(warnsOn(node))
  })

  it("the package's own engines admit Node 20.19+ and Electron's Node (22.12+), and say so to npm", () => {
    for (const v of ['20.19.0', node, '22.12.0', '24.0.0']) expect(semver.satisfies(v, pkg.engines.node), v).toBe(true)
    expect(semver.satisfies('18.20.0', pkg.engines.node)).toBe(false)
    expect((lock.packages[''] as { engines?: { node?: string } }).engines?.node).toBe(pkg.engines.node)
    expect(warnsOn(node)).not.toContain(pkg.name)
  })

  it('npx ntkw prints no EBADENGINE warning on this Node', () => {
    // a fresh npm cache: the first `npx ntkw` of a checkout links the package into the cache and checks its engines
    const cache = mkdtempSync(path.join(tmpdir(), 'ntkw-npx-'))
    try {
      const env = { ...process.env, npm_config_cache: cache, npm_config_offline: 'true', npm_config_update_notifier: 'false' }
      const r = spawnSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['ntkw', '--version'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
      expect(r.stderr).not.toMatch(/EBADENGINE/)
    } finally {
      rmSync(cache, { recursive: true, force: true })
    }
  })
})
