import { describe, expect, it } from 'vitest'
import { buildSelfDistillSpec, defaultSelfDistillForm, parseAlphas } from '../../renderer/src/components/distill/self-distill-form'
import { buildKdSpec, defaultKdForm } from '../../renderer/src/components/distill/kd-form'
import { studyBarsOption } from '../../renderer/src/components/distill/options-kd'
import { errorVsStepsOption, optimalAlphaCard } from '../../renderer/src/components/distill/options-self-distill'
import type { DistillStudyReport, SelfDistillReport } from '../../shared/jobs/results'
import { JobSpec } from '../../shared/index'

describe('self-distillation results', () => {
  it('a clipped optimal α says the closed-form α* and why it was clipped', () => {
    // issue 21 walk-through: iris at the defaults showed "Optimal α, step 2: 0" and nothing else
    const curve = (raw: number, applied: number) => ({ alpha: null, alphaPerStep: [1, applied], alphaRaw: [1, raw], trainMse: [], testMse: null, trainAccuracy: null, testAccuracy: null })
    const low = optimalAlphaCard(curve(-1.974, 0))!
    expect(low.value).toBe('0 (α* -1.97)')
    expect(low.hint).toMatch(/α\* < 0.*more shrinkage.*α = 0/)
    const high = optimalAlphaCard(curve(1.6, 1))!
    expect(high.value).toBe('1 (α* 1.6)')
    expect(high.hint).toMatch(/α\* > 1.*α = 1/)
    expect(optimalAlphaCard(curve(0.42, 0.42))!.value).toBe('0.42')
  })
})

describe('Distill forms', () => {
  it('self-distillation: α list parsing and a spec the engine accepts', () => {
    expect(parseAlphas('0.2, 0.5 0.8')).toEqual([0.2, 0.5, 0.8])
    expect(parseAlphas('0.2, 1.5')).toBeNull()
    expect(parseAlphas('')).toBeNull()
    const ok = buildSelfDistillSpec({ ...defaultSelfDistillForm('ds1'), alphas: '0.3, 0.6' }, 'mnist')
    expect(ok.errors).toEqual({})
    const spec = JobSpec.parse(ok.spec)
    expect(spec).toMatchObject({ kind: 'self-distill', alphas: [0.3, 0.6], labelNoise: 0.5, diagReg: 0.03, data: { datasetId: 'ds1' } })
    const bad = buildSelfDistillSpec({ ...defaultSelfDistillForm(''), alphas: 'x', steps: 0 })
    expect(bad.spec).toBeNull()
    expect(Object.keys(bad.errors).sort()).toEqual(['alphas', 'datasetId', 'steps'])
  })

  it('knowledge distillation: teacher required, blank parameters omitted, study losses', () => {
    const f = { ...defaultKdForm('ds1'), teacherModelId: 'm1', temperature: '2', alpha: '' }
    const one = buildKdSpec(f, 'distill', 'mnist')
    expect(one.errors).toEqual({})
    expect(JobSpec.parse(one.spec)).toMatchObject({ kind: 'distill', loss: 'kd', params: { temperature: 2 }, teacher: { type: 'model', modelId: 'm1' }, student: { layers: [{ type: 'dense', units: 32 }] } })
    expect((one.spec as { params: Record<string, unknown> }).params).not.toHaveProperty('alpha')
    const study = buildKdSpec({ ...f, studyLosses: ['ce', 'kd'], seeds: 4 }, 'distill-study')
    expect(JobSpec.parse(study.spec)).toMatchObject({ kind: 'distill-study', losses: ['ce', 'kd'], seeds: 4 })
    expect(buildKdSpec({ ...f, teacherModelId: '' }, 'distill').errors.teacherModelId).toBeTruthy()
    expect(buildKdSpec({ ...f, studentLayers: '32, x' }, 'distill').errors.studentLayers).toBeTruthy()
    const kernel = buildKdSpec({ ...f, teacherType: 'kernel', teacherModelId: '' }, 'distill')
    expect(JobSpec.parse(kernel.spec)).toMatchObject({ teacher: { type: 'kernel', kernel: 'ntk', temperature: 0.1 } })
    // a model teacher and a kernel teacher give runs different names, each naming its teacher
    const byModel = (buildKdSpec(f, 'distill', 'digits', 'mlp 256').spec as { name: string }).name
    const byKernel = (kernel.spec as { name: string }).name
    expect(byModel).not.toBe(byKernel)
    expect(byModel).toContain('teacher mlp 256')
    expect(byKernel).toContain('NTK kernel teacher')
  })
})

describe('Distill charts', () => {
  it('study bars: one bar per loss, error bars mean ± sd', () => {
    const a: DistillStudyReport = {
      teacher: 't', teacherAccuracy: 0.95, klTemperature: 4, ceWeight: 0, epochs: 5, seeds: 3,
      table: [
        { loss: 'ce', params: {}, runs: 3, accuracy: { mean: 0.9, sd: 0.01 }, agreement: { mean: 0.92, sd: 0.01 }, kl: { mean: 0.2, sd: 0.02 } },
        { loss: 'kd', params: { temperature: 4 }, runs: 3, accuracy: { mean: 0.91, sd: 0.005 }, agreement: { mean: 0.93, sd: 0.01 }, kl: { mean: 0.1, sd: 0.01 } },
      ],
      runs: [],
    }
    const o = studyBarsOption(a, 'kl', false) as { series: { name: string; data: unknown[] }[] }
    expect((o.series[0]!.data as { value: number }[]).map((d) => d.value)).toEqual([0.2, 0.1])
    expect(o.series[1]!.data).toEqual([[0, 0.2 - 0.02, 0.2 + 0.02], [1, 0.1 - 0.01, 0.1 + 0.01]])
  })

  it('self-distillation error chart: classification error is 1 − accuracy, the τ → ∞ limit is a line', () => {
    const a = {
      n: 10, m: 5, k: 2, validation: 2, lambda: 0.1, diagReg: 0.01, kernel: 'ntk', steps: 2,
      curves: [{ alpha: 0.5, alphaPerStep: [1, 0.5], trainMse: [0.1, 0.2], testMse: [0.3, 0.25], trainAccuracy: [1, 0.9], testAccuracy: [0.8, 0.85], limitTestMse: 0.2, limitTestAccuracy: 0.9 }],
      shrinkage: { eigenvalues: [], lambda: 0.1, taus: [], byAlpha: [] },
      spectrum: { min: 0, max: 1, clippedNegative: 0 },
    } as SelfDistillReport
    const o = errorVsStepsOption(a, 'error', false) as { series: { name: string; data: number[][]; markLine?: { data: { yAxis: number }[] } }[] }
    const test = o.series.find((s) => s.name === 'α = 0.5 test')!
    expect(test.data.map((p) => p[1])).toEqual([1 - 0.8, 1 - 0.85])
    expect(test.markLine!.data[0]!.yAxis).toBeCloseTo(0.1, 12)
  })
})
