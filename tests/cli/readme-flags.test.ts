import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { commands } from '../../electron/cli/commands/index'

// The README's CLI block is the front door: every command and every flag the CLI accepts is listed there,
// and nothing it lists is missing from the CLI. `ntkw CMD --help` (the command's usage text) names every
// flag too.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const block = /## The CLI\n\n```\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''

/** flags per command: an entry starts at a line `ntkw NAME`, indented lines continue it */
function readmeFlags(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  let current: Set<string> | null = null
  for (const line of block.split('\n')) {
    const head = /^ntkw ([a-z][a-z-]*)/.exec(line)
    if (head) {
      current = out.get(head[1]!) ?? new Set()
      out.set(head[1]!, current)
    } else if (!/^\s/.test(line)) current = null
    if (!current) continue
    for (const m of line.matchAll(/--([a-z0-9][a-z0-9-]*)/g)) current.add(m[1]!)
  }
  return out
}

describe('README lists the CLI exactly', () => {
  const listed = readmeFlags()
  it('finds the CLI block', () => {
    expect(block.length).toBeGreaterThan(200)
  })

  for (const cmd of commands) {
    it(`ntkw ${cmd.name}: README and --help name every flag, README names no flag the command lacks`, () => {
      const defined = Object.keys(cmd.options ?? {}).sort()
      expect(listed.has(cmd.name), `README has no 'ntkw ${cmd.name}' entry`).toBe(true)
      expect([...listed.get(cmd.name)!].sort()).toEqual(defined)
      const help = new Set([...cmd.usage.matchAll(/--([a-z0-9][a-z0-9-]*)/g)].map((m) => m[1]!))
      expect(defined.filter((f) => !help.has(f)), `flags missing from 'ntkw ${cmd.name} --help'`).toEqual([])
    })
  }

  it('README lists no command the CLI does not have', () => {
    const names = new Set(commands.map((c) => c.name))
    expect([...listed.keys()].filter((n) => !names.has(n))).toEqual([])
  })
})
