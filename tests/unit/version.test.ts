import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { APP_VERSION } from '../../electron/engine/runtime/version'
import { lttb } from '../../shared/lttb'

describe('version', () => {
  it('APP_VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(APP_VERSION).toBe(pkg.version)
  })
})

describe('lttb down-sampling', () => {
  it('keeps the end points, returns the requested count, and keeps a spike', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i)
    const ys = xs.map((x) => (x === 5123 ? 100 : Math.sin(x / 100)))
    const [ox, oy] = lttb(xs, ys, 200)
    expect(ox).toHaveLength(200)
    expect(ox[0]).toBe(0)
    expect(ox.at(-1)).toBe(9999)
    expect(oy).toContain(100)
    for (let i = 1; i < ox.length; i++) expect(ox[i]!).toBeGreaterThan(ox[i - 1]!)
  })
  it('returns short series unchanged', () => {
    expect(lttb([1, 2, 3], [4, 5, 6], 10)).toEqual([[1, 2, 3], [4, 5, 6]])
  })
})
