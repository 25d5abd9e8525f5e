import { createHash } from 'node:crypto'
import type { EmpiricalKernelResult } from '../../../../shared/jobs/results'
import type * as tf from '@tensorflow/tfjs-core'
import { UserError } from '../../../../shared/errors'
import { parameterCount, type FiniteFcArch } from '../../nn/weights'
import { loadArrayActivation } from '../../nn/forward-arrays'
import { meanOverSampleArrays, sampleSeed } from '../../ntk/empirical-arrays'
import { empiricalMlpArrays } from '../../ntk/empirical-mlp'
import { takeEmpiricalPrefetch } from '../../ntk/empirical-prefetch'
import { startRemoteSamples } from '../../core/remote-tiles'
import { tfjs } from '../../core/tfjs'
import { isNetKernelArch } from '../../../../shared/arch/kernel-arch'
import { planKernel } from '../../../../shared/arch/kernel-plan'
import { yieldEvery, type JobRunner } from '../../core/job'
import type { Matrix } from '../../core/matrix'
import { assertFiniteArray } from '../../core/finite'

/** A job's input matrix as a float32 tensor, refusing NaN/Inf with the row it is on. */
export function matrixTensor(m: Matrix, name: string): tf.Tensor2D {
  return tfjs().tensor2d(matrixArray(m, name), [m.rows, m.cols])
}

/** A job's input matrix as row-major float32 values (the matrix's own array when it is one), refusing NaN/Inf. */
export function matrixArray(m: Matrix, name: string): Float32Array {
  if (m.rows < 1 || m.cols < 1) throw new UserError('empty_input', `${name} is empty (${m.rows}×${m.cols})`, 'Pass at least one point with at least one feature.')
  const n = m.rows * m.cols
  assertFiniteArray(m.data, name, 'Remove or impute missing values before computing kernels.', m.cols, n)
  return m.data instanceof Float32Array && m.data.length === n ? m.data : Float32Array.from(m.data.subarray(0, n))
}

// Empirical NTK of finite networks drawn from the seed (docs/math.md §2, layerwise identity), averaged over
// `samples` networks; one artifact 'kernel'.
export const run: JobRunner<'empirical-kernel'> = async (spec, ctx) => {
  const started = performance.now()
  const { matrix: xm, hash: hx } = await ctx.data.loadWithHash(spec.x)
  const second = spec.x2 ? await ctx.data.loadWithHash(spec.x2) : null
  const x2m = second?.matrix ?? null
  ctx.recordDatasetHash(second ? createHash('sha256').update(`${hx}:${second.hash}`).digest('hex') : hx)
  if (x2m && x2m.cols !== xm.cols) {
    throw new UserError('shape_mismatch', `x has ${xm.cols} features but x2 has ${x2m.cols}`, 'x and x2 must have the same number of columns.')
  }
  const arch = spec.arch
  // an ARCH.json network is planned against the rows' shape before any work (errors name the layer)
  const plan = isNetKernelArch(arch) ? planKernel(arch.net, { wStd: arch.wStd, bStd: arch.bStd }, xm.shape ?? [xm.cols]) : null
  const xa = matrixArray(xm, 'x')
  const x2a = x2m ? matrixArray(x2m, 'x2') : null
  // an MLP computes on plain arrays (ntk/empirical-arrays.ts), and a ReLU one without tfjs; an ARCH.json
  // network on tensors: its modules (and tfjs) are loaded only for it
  const net = plan ? await import('./empirical-kernel-net') : null
  const act = plan ? null : await loadArrayActivation((arch as FiniteFcArch).activation)
  const x = net ? tfjs().tensor2d(xa, [xm.rows, xm.cols]) : null
  const x2 = net && x2a ? tfjs().tensor2d(x2a, [x2m!.rows, x2m!.cols]) : undefined
  try {
    const channels = plan ? plan.steps.flatMap((s, i) => (s.channels === undefined ? [] : [i === plan.steps.length - 1 ? spec.outDim : s.channels])) : null
    ctx.progress(0, `${spec.samples} network(s) of ${channels ? `channels ${channels.join('-')}` : `width ${(arch as { width: number }).width}`}`)
    const maybeYield = yieldEvery(ctx)
    const opts = {
      seed: spec.seed,
      samples: spec.samples,
      onSample: async (done: number, total: number) => {
        ctx.progress(done / total, `network ${done}/${total}`)
        ctx.throwIfCancelled()
        await maybeYield()
      },
    }
    const shape = xm.shape ?? [xm.cols]
    const n2 = x2m ? x2m.rows : xm.rows
    const outShape = spec.outputs === 'per-output' ? [spec.outDim, xm.rows, n2] : [xm.rows, n2]
    const o = { outDim: spec.outDim, outputs: spec.outputs }
    // through --redis: one queue job per sample, summed below in sample order as the local loop does
    const remote = ctx.remote
      ? startRemoteSamples(ctx.remote, {
          x: xa,
          xRows: xm.rows,
          x2: x2a,
          x2Rows: n2,
          d: xm.cols,
          shape,
          samples: Array.from({ length: spec.samples }, (_, s) => ({ arch, seed: sampleSeed(spec.seed, s) })),
          outDim: spec.outDim,
          outputs: spec.outputs,
        }, ctx.signal)
      : null
    const local = async (seed: number): Promise<Float32Array> => {
      if (!x) {
        const fc = arch as FiniteFcArch
        // the first network may have been prepared on a worker thread while the engine loaded (the CLI starts it)
        const prepared = await takeEmpiricalPrefetch({ arch: fc, inDim: xm.cols, outDim: spec.outDim, seed, n: xm.rows, n2: x2a ? n2 : null, outputs: spec.outputs })
        return empiricalMlpArrays(fc, act!, { data: xa, rows: xm.rows, cols: xm.cols }, x2a ? { data: x2a, rows: n2 } : null, seed, o, prepared).data
      }
      const k = net!.empiricalSample(arch, shape, x, x2, seed, o)
      try {
        return k.dataSync() as Float32Array
      } finally {
        k.dispose()
      }
    }
    let data: Float32Array
    try {
      data = await meanOverSampleArrays(opts, remote ? (_seed, s) => remote.get(s) : local)
      await remote?.done
    } catch (e) {
      remote?.stop()
      throw e
    }
    const artifact = ctx.artifacts.saveArray('kernel', data, outShape, { arch: spec.arch, samples: spec.samples, outputs: spec.outputs, seed: spec.seed })
    let parameters: number
    if (plan) parameters = net!.parameterCount(plan, spec.seed, spec.outDim)
    else parameters = parameterCount(arch as Exclude<typeof arch, { net: unknown }>, xm.cols, spec.outDim)
    const result: EmpiricalKernelResult = {
      shape: outShape,
      samples: spec.samples,
      width: plan ? null : (arch as { width: number }).width,
      ...(channels ? { channels } : {}),
      parameters,
      seconds: (performance.now() - started) / 1000,
      artifact,
    }
    return result
  } finally {
    x?.dispose()
    x2?.dispose()
  }
}
