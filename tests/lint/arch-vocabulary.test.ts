import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ACTIVATION_NAMES, MODEL_ONLY_ACTIVATIONS } from '../../shared/arch'

// The architecture vocabulary is defined once, in shared/arch: no renderer file lists activation names or
// restates a σ default (1, √2 ≈ 1.4142 and 1.5 were all "the default" somewhere once). Pages derive their
// choices from ACTIVATIONS and their starting values from shared/arch/defaults.ts.
const root = fileURLToPath(new URL('../..', import.meta.url))
const rendererSrc = join(root, 'renderer/src')

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? sourcesUnder(p) : /\.(ts|vue)$/.test(name) ? [p] : []
  })
}

const names = [...ACTIVATION_NAMES, ...MODEL_ONLY_ACTIVATIONS]
/** an activation name as a string literal or an <option> value ('relu', "erf", `gelu`, 'leaky_relu:0.1', >tanh<) */
const nameLiteral = new RegExp(`(['"\`>])(${names.join('|')})(?=['"\`:<(])`, 'g')
/** a σ default written as a number: 1.4142…, 1.414, Math.SQRT2, or wStd/bStd set to a numeric literal */
const sigmaLiteral = /\b1\.414\d*|Math\.SQRT2|\b(?:wStd|bStd|W_std|b_std)\s*[:=]\s*-?\d/g

function scan(re: RegExp): string[] {
  return sourcesUnder(rendererSrc).flatMap((p) => {
    const text = readFileSync(p, 'utf8')
    return [...text.matchAll(re)].map((m) => `${relative(root, p)}: ${m[0]}`)
  })
}

describe('one architecture vocabulary', () => {
  it('no renderer file lists activation names', () => {
    expect(scan(nameLiteral)).toEqual([])
  })

  it('no renderer file restates a σ default', () => {
    expect(scan(sigmaLiteral)).toEqual([])
  })

  it('the scans find what they look for', () => {
    const hits = (re: RegExp, s: string): number => [...s.matchAll(re)].length
    expect(hits(nameLiteral, "export const A = ['relu', 'erf', 'leaky_relu'] as const")).toBe(3)
    expect(hits(nameLiteral, '<option value="gelu">gelu</option>')).toBe(2)
    expect(hits(nameLiteral, "{ name: 'tanh' } `leaky_relu:0.1`")).toBe(2)
    expect(hits(nameLiteral, "const reluLike = 'relu6x'; // relu in a comment")).toBe(0)
    expect(hits(sigmaLiteral, 'wStd: 1.4142, bStd: 0.1')).toBe(2)
    expect(hits(sigmaLiteral, 'const HE = 1.41421356')).toBe(1)
    expect(hits(sigmaLiteral, 'wStd: 1.5')).toBe(1)
    expect(hits(sigmaLiteral, 'const s = Math.SQRT2')).toBe(1)
    expect(hits(sigmaLiteral, 'wStd: DEFAULT_W_STD, bStd: f.bias ? f.bStd : null')).toBe(0)
  })
})
