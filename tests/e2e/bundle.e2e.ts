import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './harness'

// The renderer is code-split per page: the shell's first paint loads the entry and what it imports
// statically; each page and the chart library arrive when first needed. Read from the built files (`npm run
// test:e2e` builds the renderer first), following static imports only.
const dir = path.join(ROOT, 'out/renderer/assets')

function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const code = readFileSync(path.join(dir, file), 'utf8')
    // static ESM imports in the minified chunks: import{…}from"./x.js" / import"./x.js" (dynamic ones are import("…"))
    for (const m of code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[\w${},*\s]+from\s*)?["']\.\/([\w.-]+\.js)["']/g)) visit(m[1]!)
  }
  visit(entry)
  return seen
}

describe('renderer bundle', () => {
  const html = readFileSync(path.join(ROOT, 'out/renderer/index.html'), 'utf8')
  const entry = /<script type="module"[^>]*src="\.\/assets\/([^"]+\.js)"/.exec(html)?.[1]

  it('paints the shell without the chart library or any page', () => {
    expect(entry).toBeTruthy()
    const first = staticGraph(entry!)
    const names = [...first]
    expect(names.filter((n) => /^echarts/i.test(n))).toEqual([])
    expect(names.filter((n) => /View-/.test(n))).toEqual([])
    const bytes = names.reduce((s, n) => s + statSync(path.join(dir, n)).size, 0)
    const all = readdirSync(dir).filter((n) => n.endsWith('.js')).reduce((s, n) => s + statSync(path.join(dir, n)).size, 0)
    console.log(`first paint: ${names.length} scripts, ${(bytes / 1024).toFixed(0)} KiB of ${(all / 1024).toFixed(0)} KiB`)
    // well under a third of the whole renderer (it was one 1 MB file)
    expect(bytes).toBeLessThan(all / 3)
  })

  it('each page is its own chunk, loaded on demand', () => {
    const chunks = readdirSync(dir)
    for (const page of ['ProjectView', 'RunsView', 'DatasetsView', 'NtkLabView']) expect(chunks.some((c) => c.startsWith(`${page}-`) && c.endsWith('.js'))).toBe(true)
    expect(chunks.some((c) => /^echarts-.*\.js$/.test(c))).toBe(true)
  })
})
