import { describe, expect, it } from 'vitest'
import { teacherLogits } from '../../../electron/engine/distill/kd/teacher'
import { Xoshiro128 } from '../../../electron/engine/core/random'
import { DistillTeacher } from '../../../shared/jobs/distill'
import { NetArch, planKernel } from '../../../shared/arch'
import { referenceKernels } from '../layers/conv-reference'
import { solveF64 } from '../lab/lab-helpers'

// Distillation's kernel-machine teacher with an ARCH.json (conv) network: its logits are kernel ridge
// regression on one-hot targets with the CNN kernel, here checked against the naive float64 reference kernel
// solved in float64.
describe('a convolutional kernel teacher', () => {
  const net = { input: [5, 5, 1], layers: [{ type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'relu' }, { type: 'flatten' }] }
  const rng = new Xoshiro128(11)
  const n = 14
  const m = 6
  const k = 3
  const rows = (count: number) => Array.from({ length: count }, () => Float32Array.from(rng.normals(25, 1)))
  const train = rows(n)
  const held = rows(m)
  const labels = Int32Array.from({ length: n }, (_, i) => i % k)
  const matrix = (r: Float32Array[]) => ({ data: Float32Array.from(r.flatMap((x) => [...x])), rows: r.length, cols: 25 })

  it('gives K(K + λI)⁻¹Y / T with the CNN NTK (λ = diagReg·trace/n), before and after the schema', async () => {
    const t = DistillTeacher.parse({ type: 'kernel', arch: { net, wStd: 1.5, bStd: 0.2 }, kernel: 'ntk', diagReg: 1e-2, temperature: 0.5 })
    const out = await teacherLogits(t, { xTrain: matrix(train), labels, xHeldOut: matrix(held), k }, {})
    const ref = referenceKernels(planKernel(NetArch.parse(net), { wStd: 1.5, bStd: 0.2 }), [...train, ...held]).ntk
    const kTrain = new Float64Array(n * n)
    let trace = 0
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) kTrain[i * n + j] = ref[i]![j]!
    for (let i = 0; i < n; i++) trace += kTrain[i * n + i]!
    const y = new Float64Array(n * k)
    labels.forEach((c, i) => (y[i * k + c] = 1))
    const alpha = solveF64(kTrain, n, y, k, (1e-2 * trace) / n)
    const logit = (row: number, q: number): number => {
      let s = 0
      for (let j = 0; j < n; j++) s += ref[row]![j]! * alpha[j * k + q]!
      return s / 0.5
    }
    let worst = 0
    for (let i = 0; i < n; i++) for (let q = 0; q < k; q++) worst = Math.max(worst, Math.abs(out.train[i * k + q]! - logit(i, q)))
    for (let i = 0; i < m; i++) for (let q = 0; q < k; q++) worst = Math.max(worst, Math.abs(out.heldOut[i * k + q]! - logit(n + i, q)))
    expect(worst).toBeLessThan(2e-4)
  })

  it('a layer the kernel cannot follow is refused, naming it', async () => {
    const bad = DistillTeacher.parse({ type: 'kernel', arch: { net: { ...net, layers: [net.layers[0], { type: 'maxpool2d', pool: 2 }, { type: 'flatten' }] } } })
    await expect(teacherLogits(bad, { xTrain: matrix(train), labels, xHeldOut: matrix(held), k }, {})).rejects.toThrow(/layer 2 \(maxpool2d\)/)
  })
})
