import { describe, expect, it } from 'vitest'
import {
  ACTIVATION_NAMES,
  ACTIVATIONS,
  ActivationSpec,
  activationFromParams,
  activationParams,
  activationUsage,
  formatActivation,
  modelActivationError,
  parseActivation,
} from '../../shared/arch'

describe('the activation vocabulary', () => {
  it('lists every activation once, with an entry per name', () => {
    expect(new Set(ACTIVATION_NAMES).size).toBe(ACTIVATION_NAMES.length)
    expect(ACTIVATIONS.map((a) => a.name).sort()).toEqual([...ACTIVATION_NAMES].sort())
    // the schema accepts exactly the names of the vocabulary
    for (const name of ACTIVATION_NAMES) expect(ActivationSpec.safeParse(activationFromParams(name)).success).toBe(true)
    expect(ActivationSpec.safeParse({ name: 'tanh' }).success).toBe(false)
  })

  it('formats and parses back every activation with non-default parameters', () => {
    for (const e of ACTIVATIONS) {
      const values = Object.fromEntries(e.params.map((p, i) => [p.key, p.initial + 0.25 * (i + 1)]))
      const spec = activationFromParams(e.name, values)
      expect(activationParams(spec)).toEqual(values)
      expect(parseActivation(formatActivation(spec))).toEqual(spec)
    }
  })

  it('the CLI syntax: bare names stand for the omitted values; wrong arity and unknown names are errors that list the syntax', () => {
    expect(parseActivation('erf')).toEqual({ name: 'erf', a: 1, b: 1, c: 0 })
    expect(formatActivation({ name: 'erf', a: 1, b: 1, c: 0 })).toBe('erf')
    expect(() => parseActivation('leaky_relu')).toThrow(/leaky_relu:ALPHA with the slope for x < 0/)
    expect(() => parseActivation('erf:1,2')).toThrow(/erf:A,B,C/)
    expect(() => parseActivation('relu:1')).toThrow(/no parameters for relu/)
    expect(() => parseActivation('leaky_relu:x')).toThrow(/must be numbers/)
    expect(() => parseActivation('swish')).toThrow(/unknown activation 'swish'. Known: relu, erf, gelu/)
  })

  it('usage texts name every activation of the subset and nothing else', () => {
    const all = activationUsage()
    for (const e of ACTIVATIONS) expect(all).toContain(e.name)
    const kip = activationUsage(ACTIVATIONS.filter((a) => a.differentiable).map((a) => a.name))
    expect(kip).not.toMatch(/gelu|sin/)
    expect(kip).toMatch(/leaky_relu:ALPHA/)
  })

  it('model layers take engine activations and Keras-only names, nothing else', () => {
    expect(modelActivationError('tanh')).toBeNull()
    expect(modelActivationError('leaky_relu:0.2')).toBeNull()
    expect(modelActivationError('leaky_relu')).toMatch(/ALPHA/)
    expect(modelActivationError('softmaxx')).toMatch(/unknown activation/)
  })
})
