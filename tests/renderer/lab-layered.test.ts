import { describe, expect, it } from 'vitest'
import { JobSpec } from '../../shared/jobs/spec'
import { NetArch, isNetKernelArch, kipPlanRefusal, planKernel } from '../../shared/arch'
import type { DatasetSummary } from '../../shared/dataset'
import { defaultKipForm, kipErrors, kipSpec, transferAvailable } from '../../renderer/src/forms/kip-form'
import { kernelRows } from '../../renderer/src/components/lab/kernel-runs'
import { summary } from './fake-api'
import { buildSpec, defaultForm, describeArch, formFromSpec, labCostText, switchKind, type LabForm } from '../../renderer/src/forms/lab-form'
import { describeNet } from '../../renderer/src/forms/arch-form'
import { buildKdSpec, defaultKdForm } from '../../renderer/src/components/distill/kd-form'
import { buildSelfDistillSpec, defaultSelfDistillForm } from '../../renderer/src/components/distill/self-distill-form'

// The NTK Lab's layered (conv) mode: which experiments take an ARCH.json network, the spec it builds, the
// check before Run, the estimate, and how a run's network reads in lists.
const layered = (kind: LabForm['kind']): LabForm => ({ ...defaultForm(kind, 'ds1'), archMode: 'layers' })

describe('layered architectures in the lab form', () => {
  it('kernel, spectrum, sweep and training experiments send the layered network with the form’s σ defaults; the engine schema accepts it', () => {
    for (const kind of ['lab-kernel', 'lab-spectrum', 'width-sweep', 'train-vs-theory'] as const) {
      const f = layered(kind)
      f.arch = { ...f.arch, wStd: 1.5, bias: true, bStd: 0.2 }
      const { spec, errors } = buildSpec(f, 'mnist', [784])
      expect(errors).toEqual({})
      const parsed = JobSpec.parse(spec) as { arch: unknown }
      expect(isNetKernelArch(parsed.arch)).toBe(true)
      expect(parsed.arch).toMatchObject({ wStd: 1.5, bStd: 0.2, net: { layers: f.net.layers } })
    }
  })

  it('experiments of finite FC networks keep sending the FC architecture while the layers stay in the form', () => {
    const f = switchKind(layered('lab-kernel'), 'lab-efficiency')
    expect(f.archMode).toBe('layers')
    const { spec } = buildSpec(f, 'mnist', [784])
    expect(isNetKernelArch((spec as { arch: unknown }).arch)).toBe(false)
    expect((spec as { arch: { depth: number } }).arch.depth).toBe(f.arch.depth)
    expect(switchKind(f, 'lab-kernel').net).toEqual(f.net)
  })

  it('a layer the kernel cannot follow is reported before Run, naming the layer', () => {
    const f = layered('lab-kernel')
    f.net = { layers: [{ type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'maxpool2d', pool: 2 }, { type: 'flatten' }], readout: true }
    const { spec, errors } = buildSpec(f, 'mnist', [784])
    expect(spec).toBeNull()
    expect(errors.net).toMatch(/^Layer 2 \(maxpool2d\): /)
    // a valid-padded 5×5 conv on 4×4 images leaves no image
    f.net = { layers: [{ type: 'conv2d', filters: 8, kernel: 5, padding: 'valid', activation: 'relu' }, { type: 'flatten' }], readout: true }
    expect(buildSpec(f, 'tiny', [16]).errors.net).toMatch(/^Layer 1 \(conv2d\)/)
  })

  it('a saved layered spec reads back into layered mode with its layers and σ defaults', () => {
    const f = layered('lab-kernel')
    f.arch = { ...f.arch, wStd: 1.3, bias: false }
    const { spec } = buildSpec(f, 'mnist', [784])
    const back = formFromSpec(spec!, 'x')!
    expect(back.archMode).toBe('layers')
    expect(back.net).toEqual(f.net)
    expect(back.arch.wStd).toBe(1.3)
    expect(back.arch.bias).toBe(false)
  })

  it('names a network by its preset, else by its layers', () => {
    expect(describeNet(defaultForm().net)).toBe('CNN-GP (flatten)')
    const net = { layers: [{ type: 'conv2d', kernel: 5, activation: 'erf' }, { type: 'conv2d', kernel: 5, activation: 'erf' }, { type: 'avgpool2d', pool: 2 }, { type: 'flatten' }] }
    expect(describeNet(net as never)).toBe('conv5 erf ×2 → avgpool2 → flatten')
    expect(describeArch({ net, wStd: 1.4, bStd: null })).toBe('conv5 erf ×2 → avgpool2 → flatten · channels ∞ · σ_w 1.4 · no bias')
    // the preset's own per-layer σ, not the defaults
    expect(describeArch({ net: defaultForm().net, wStd: 1, bStd: 0.05 })).toBe('CNN-GP (flatten) · channels ∞ · σ_w 1.414 · σ_b 0.1')
    const mixed = { layers: [{ type: 'conv2d', wStd: 2 }, { type: 'conv2d', bias: false }, { type: 'flatten' }] }
    expect(describeArch({ net: mixed, wStd: 1, bStd: 0.1 })).toBe('conv3 ×2 → flatten · channels ∞ · σ_w 1–2 · σ_b 0.1 (some layers without)')
    expect(describeArch({ net, wStd: 1, bStd: 0.1 }, [4, 64])).toContain('channels 4–64')
  })

  it('states an estimate for layered kernels only: train pairs n(n+1)/2 plus test × train pairs', () => {
    const f = { ...layered('lab-kernel'), train: 100, test: 40 }
    const text = labCostText(f, [784], 2)!
    expect(text).toMatch(/^Estimate: 9,050 pairs, .* on 2 threads, ≈ [\d.]+ MiB working memory$/)
    expect(labCostText({ ...f, archMode: 'fc' }, [784], 2)).toBeNull()
    // the estimate grows with the work: full covariance (global average pooling) costs more than flatten
    const secs = (t: string): number => {
      const m = /≈ ([\d.]+) (s|min)/.exec(t)
      return m ? Number(m[1]) * (m[2] === 'min' ? 60 : 1) : 0.5
    }
    const big = { ...f, train: 2000, test: 500 }
    const gap = { ...big, net: { ...big.net, layers: [...big.net.layers.slice(0, -1), { type: 'globalavgpool' as const }] } }
    expect(secs(labCostText(gap, [64], 1)!)).toBeGreaterThan(secs(labCostText(big, [64], 1)!))
  })
})

describe('kernels on this dataset, side by side', () => {
  const side = (acc: number, mse: number) => ({ testAccuracy: acc, testMse: mse, trainMse: 0, shift: 0, relResidual: 0, lambdaMax: 1, lambdaMin: 0, effectiveRank: 1 })
  const result = (acc: number) => ({ n: 200, m: 100, k: 10, classes: 10, ntk: side(acc, 0.05), nngp: side(acc - 0.01, 0.06) })
  const fc = { depth: 2, width: 'inf', activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1, parameterization: 'ntk' }
  const cnn = { net: defaultForm().net, wStd: 1.4, bStd: 0.1 }
  const runs = [
    summary({ id: 'fc', kind: 'lab-kernel', name: 'FC', state: 'succeeded', createdAt: 1, startedAt: 10, finishedAt: 2010 }),
    summary({ id: 'cnn', kind: 'lab-kernel', name: 'CNN', state: 'succeeded', createdAt: 2, startedAt: 20, finishedAt: 20_020 }),
    summary({ id: 'other-data', kind: 'lab-kernel', name: 'elsewhere', state: 'succeeded', createdAt: 3 }),
    summary({ id: 'failed', kind: 'lab-kernel', name: 'broken', state: 'failed', createdAt: 4 }),
    summary({ id: 'sweep', kind: 'width-sweep', name: 'sweep', state: 'succeeded', createdAt: 5 }),
  ]
  const stored = new Map<string, { spec: unknown; result: unknown }>([
    ['fc', { spec: { data: { datasetId: 'mnist' }, arch: fc }, result: result(0.88) }],
    ['cnn', { spec: { data: { datasetId: 'mnist' }, arch: cnn }, result: result(0.93) }],
    ['other-data', { spec: { data: { datasetId: 'iris' }, arch: fc }, result: result(0.9) }],
    ['sweep', { spec: { data: { datasetId: 'mnist' }, arch: fc }, result: {} }],
  ])

  it('lists the finished kernel runs of the dataset, newest first, FC and conv with their networks and numbers', () => {
    const rows = kernelRows(runs, stored, 'mnist')
    expect(rows.map((r) => r.runId)).toEqual(['cnn', 'fc'])
    expect(rows[0]).toMatchObject({ arch: expect.stringMatching(/^CNN-GP \(flatten\) · channels ∞ · σ_w 1.414/), ntkAccuracy: 0.93, train: 200, test: 100, seconds: 20 })
    expect(rows[1]).toMatchObject({ arch: expect.stringMatching(/^2×relu · w ∞/), ntkAccuracy: 0.88, nngpAccuracy: 0.87, seconds: 2 })
    expect(kernelRows(runs, stored, 'mnist', 1)).toHaveLength(1)
    expect(kernelRows(runs, new Map(), 'mnist')).toEqual([]) // specs not fetched yet: nothing guessed
  })
})

describe('layered kernels on the Distill page', () => {
  it('the KD kernel teacher sends its CNN as the teacher arch, named in the run, refused before Run when a layer has no kernel rule', () => {
    const f = { ...defaultKdForm('ds1'), teacherType: 'kernel' as const, kernelArchMode: 'layers' as const }
    const { spec, errors } = buildKdSpec(f, 'distill', 'mnist', undefined, [784])
    expect(errors).toEqual({})
    const parsed = JobSpec.parse(spec) as { teacher: { arch: unknown }; name: string }
    expect(isNetKernelArch(parsed.teacher.arch)).toBe(true)
    expect(parsed.name).toContain('NTK CNN-GP (flatten) kernel teacher')
    const bad = { ...f, kernelNet: { layers: [{ type: 'dropout' as const, rate: 0.1 }, { type: 'flatten' as const }] } }
    expect(buildKdSpec(bad, 'distill', 'mnist', undefined, [784]).errors.net).toMatch(/^Layer 1 \(dropout\)/)
    // a model teacher ignores the kernel's layers
    expect(buildKdSpec({ ...bad, teacherType: 'model', teacherModelId: 'm1' }, 'distill', 'mnist', 'net', [784]).errors).toEqual({})
  })

  it('self-distillation takes a layered kernel too', () => {
    const f = { ...defaultSelfDistillForm('ds1'), archMode: 'layers' as const }
    const { spec, errors } = buildSelfDistillSpec(f, 'mnist', [784])
    expect(errors).toEqual({})
    const parsed = JobSpec.parse(spec) as { arch: unknown; name: string }
    expect(isNetKernelArch(parsed.arch)).toBe(true)
    expect(parsed.name).toContain('NTK CNN-GP (flatten)')
  })
})

describe('layered kernels on the KIP page', () => {
  const ds = { id: 'd1', name: 'mnist', task: 'classification', classes: 10, xShape: [70000, 784], recipe: { split: { train: 0.8, validation: 0 } } } as unknown as DatasetSummary

  it('a CNN-GP kernel learns support images: its net in the spec, the FC-only transfer check left out', () => {
    const f = { ...defaultKipForm('d1'), archMode: 'layers' as const, transfer: true }
    expect(kipErrors(f, ds)).toEqual({})
    expect(transferAvailable(f)).toBe(false)
    const spec = JobSpec.parse(kipSpec(f, ds)) as { arch: unknown; transfer?: unknown; name: string }
    expect(isNetKernelArch(spec.arch)).toBe(true)
    expect(spec.transfer).toBeUndefined()
    expect(spec.name).toContain('CNN-GP (flatten)')
    expect((JobSpec.parse(kipSpec({ ...f, archMode: 'fc' }, ds)) as { transfer?: unknown }).transfer).toBeDefined()
  })

  it('pooling, which KIP does not differentiate, is refused before Run naming the layer (the engine’s own rule)', () => {
    const gap = { ...defaultKipForm('d1'), archMode: 'layers' as const, net: { layers: [{ type: 'conv2d' as const, filters: 8, kernel: 3, padding: 'same' as const, activation: 'relu' }, { type: 'globalavgpool' as const }], readout: true } }
    const msg = kipErrors(gap, ds).net!
    expect(msg).toMatch(/^Layer 2 \(globalavgpool\): KIP differentiates convolutional kernels that read out by flatten only/)
    const plan = planKernel(NetArch.parse(gap.net), { wStd: 1, bStd: 0.1 }, [784])
    expect(msg).toContain(kipPlanRefusal(plan)!.message.slice(1))
  })
})
