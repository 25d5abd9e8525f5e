import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { issueText } from '../../renderer/src/forms/issue-text'

// Issue 21 item 10: the GUI never shows the schema's own wording.
const first = (schema: z.ZodType, v: unknown) => {
  const r = schema.safeParse(v)
  if (r.success) throw new Error('expected a refusal')
  return issueText(r.error.issues[0]!)
}

describe('form messages from contract refusals', () => {
  it('says bounds, types and choices in words, never the schema text', () => {
    expect(first(z.number().max(20_000), 30_000)).toBe('at most 20,000')
    expect(first(z.number().int().min(1), 0)).toBe('at least 1')
    expect(first(z.number().positive(), 0)).toBe('more than 0')
    expect(first(z.number().lt(1), 1)).toBe('less than 1')
    expect(first(z.array(z.number()).max(3), [1, 2, 3, 4])).toBe('at most 3 items')
    expect(first(z.number().int(), 1.5)).toBe('a whole number')
    expect(first(z.number(), undefined)).toBe('required')
    expect(first(z.number(), 'x')).toBe('a number is needed here')
    expect(first(z.string().min(1), '')).toBe('required')
    expect(first(z.enum(['ntk', 'nngp']), 'rbf')).toBe('one of ntk, nngp')
    expect(first(z.number().refine((v) => v !== 3, 'three is not allowed'), 3)).toBe('three is not allowed')
    for (const s of [z.number().max(20_000), z.number().int(), z.enum(['a'])]) expect(first(s, 1e9 + 0.5)).not.toMatch(/expected|Too big|Invalid/)
  })
})
