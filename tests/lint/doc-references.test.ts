import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The README, the docs and code comments point readers at files: every such pointer must exist in the
// repository (a reference to a file outside it, e.g. ../shared, is a dead end for anyone with a clone).

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SOURCE_DIRS = ['electron', 'renderer/src', 'shared', 'bench', 'scripts', 'tests', 'docs', 'build']
const EXT = /\.(ts|mts|vue|js|mjs|md)$/

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (EXT.test(name)) out.push(p)
  }
  return out
}

const files = [path.join(ROOT, 'README.md'), ...SOURCE_DIRS.flatMap((d) => walk(path.join(ROOT, d)))]
const rel = (p: string): string => path.relative(ROOT, p)

describe('references to files', () => {
  it('every docs/*.md that the README, the docs or a comment names exists', () => {
    const missing: string[] = []
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bdocs\/([\w.-]+\.md)/g)) {
        if (!existsSync(path.join(ROOT, 'docs', m[1]!))) missing.push(`${rel(f)} → docs/${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('every source path in backquotes in the README and the docs exists (from the root or electron/engine/)', () => {
    const missing: string[] = []
    let checked = 0
    for (const f of [path.join(ROOT, 'README.md'), ...walk(path.join(ROOT, 'docs'))]) {
      for (const m of readFileSync(f, 'utf8').matchAll(/`([\w./-]+\/[\w.-]+\.(?:ts|vue|mjs|js|json|md))`/g)) {
        const p = m[1]!
        checked++
        if (!existsSync(path.join(ROOT, p)) && !existsSync(path.join(ROOT, 'electron/engine', p))) missing.push(`${rel(f)} → ${p}`)
      }
    }
    expect(checked).toBeGreaterThan(20)
    expect(missing).toEqual([])
  })

  it('nothing points outside the repository', () => {
    const outside = files.filter((f) => rel(f) !== rel(fileURLToPath(import.meta.url)) && /(\.\.\/)+shared\/docs|shared\/docs\/|performance-notes\.md/.test(readFileSync(f, 'utf8'))).map(rel)
    expect(outside).toEqual([])
  })
})
