import { describe, expect, it } from 'vitest'
import { parseJobSpec } from '../../electron/engine/jobs/parse-spec'
import { JobSpec } from '../../shared/jobs/spec'

// executeJob checks a kernel or empirical-kernel spec against its own kind's schema only; whatever it is
// given, the outcome must be the whole contract's: the same data (defaults applied) or the same issues.
const npy = { type: 'npy', path: '/data/x.npy' }
const fc = { depth: 2, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1 }
const inputs: unknown[] = [
  { kind: 'kernel', x: npy, arch: fc },
  { kind: 'kernel', x: npy, x2: npy, arch: { ...fc, activation: { name: 'erf' } }, kernels: ['ntk', 'nngp'], workers: 2, tileSize: 256, seed: 7, name: 'k' },
  { kind: 'kernel', x: npy, arch: { net: { input: [4, 4, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 3 }] }, wStd: 1, bStd: null } },
  { kind: 'empirical-kernel', x: npy, arch: { ...fc, width: 64 } },
  { kind: 'empirical-kernel', x: npy, arch: { ...fc, width: 64, parameterization: 'standard' }, samples: 3, outDim: 10, outputs: 'per-output' },
  // refused: each field's own issue, several at once, and the kind named with the wrong fields
  { kind: 'kernel', x: npy, arch: { ...fc, depth: -1 } },
  { kind: 'kernel', x: { type: 'npy' }, arch: fc, kernels: [], workers: 65, heatmapSize: 1.5 },
  { kind: 'empirical-kernel', x: npy, arch: fc },
  { kind: 'empirical-kernel', x: npy, arch: { ...fc, width: 0 }, samples: 0, outputs: 'both', seed: -1 },
  { kind: 'empirical-kernel' },
  { kind: 'kernel', x: npy, arch: fc, extra: 1 },
  // not a kernel kind: the contract itself
  { kind: 'predict' },
  { kind: 'no-such-kind', x: npy },
  { x: npy, arch: fc },
  [{ kind: 'kernel' }],
  Object.assign([], { kind: 'kernel' }),
  null,
  'kernel',
  42,
  undefined,
]

describe('parseJobSpec', () => {
  it.each(inputs.map((v, i) => [i, v]))('input %i: the same outcome as JobSpec.safeParse', async (_i, input) => {
    const fast = await parseJobSpec(input)
    const whole = JobSpec.safeParse(input)
    expect(fast.success).toBe(whole.success)
    if (whole.success) expect(fast.data).toEqual(whole.data)
    else expect(fast.error!.issues).toEqual(whole.error.issues)
  })

  it('the inputs cover both outcomes of both kernel kinds', () => {
    const outcomes = inputs.map((v) => {
      const r = JobSpec.safeParse(v)
      return `${(v as { kind?: unknown })?.kind}:${r.success}`
    })
    for (const k of ['kernel:true', 'kernel:false', 'empirical-kernel:true', 'empirical-kernel:false']) expect(outcomes).toContain(k)
  })
})
