import * as tf from '@tensorflow/tfjs-core'
import { gramAB, type Blocks } from './blocks'
import { type LayerParams, type PairBatch, type PairBatchRule, type PairRule, type PairState, swapNngp, swapNtk } from './types'

// Conv2d(F×F, stride 1, padding same | valid), NTK parameterization
//   z = σ_w/√(F²·C) · Σ_{δ,c} W_{δ,c} h_{i+δ,c} + σ_b b.
// Infinite channels (Novak et al. 2019, eq. 7; Garriga-Alonso et al. 2019; Arora et al. 2019, eq. 8 for Θ):
//   Σ′_ij = σ_w² · (1/F²) Σ_δ Σ_{i+δ, j+δ} + σ_b²,   Θ′_ij = σ_w² · (1/F²) Σ_δ Θ_{i+δ, j+δ} + Σ′_ij,
// one offset δ for both points (they share the filter); a position outside the image (zero padding)
// contributes 0 and the mean is still over all F² offsets. The patch mean is a box filter, separable into a
// pass along the width and one along the height (for the full covariance: along both points' width axes at
// once, then both height axes), so a layer costs O(P·F) per pair on the diagonal and O(P²·F) in full.

export interface ConvOptions {
  size: [number, number]
  padding: 'same' | 'valid'
  wStd: number
  /** null: no bias */
  bStd: number | null
}

/** Output extent and the offset of the first window along one axis (TF/XLA 'SAME': floor((F − 1)/2) before). */
export function convAxis(n: number, f: number, padding: 'same' | 'valid'): { out: number; pad: number } {
  return padding === 'same' ? { out: n, pad: (f - 1) >> 1 } : { out: n - f + 1, pad: 0 }
}

// Diagonal: dst[y, x] = scale · Σ_{dy, dx} src[y + dy − ph, x + dx − pw] + add. Each pass is a sliding window
// sum (one add and one subtract per entry whatever F), over Σ and Θ together (b: null for Σ only).
function boxDiag(a: Float64Array, b: Float64Array | null, dstA: Float64Array, dstB: Float64Array | null, tmp: Float64Array, h: number, w: number, oh: number, ow: number, fh: number, fw: number, ph: number, pw: number, scale: number, b2: number): void {
  const tb = ow * h // second half of tmp holds Θ's first pass
  for (let y = 0; y < h; y++) {
    const r = y * w
    const o = y * ow
    let accA = 0
    let accB = 0
    // window of output x covers source columns x − pw … x − pw + fw − 1
    for (let k = 0; k < Math.min(w, fw - pw - 1); k++) {
      accA += a[r + k]!
      if (b) accB += b[r + k]!
    }
    for (let x = 0; x < ow; x++) {
      const add = x - pw + fw - 1
      if (add >= 0 && add < w) {
        accA += a[r + add]!
        if (b) accB += b[r + add]!
      }
      const drop = x - pw - 1
      if (drop >= 0 && drop < w) {
        accA -= a[r + drop]!
        if (b) accB -= b[r + drop]!
      }
      tmp[o + x] = accA
      if (b) tmp[tb + o + x] = accB
    }
  }
  for (let x = 0; x < ow; x++) {
    let accA = 0
    let accB = 0
    for (let k = 0; k < Math.min(h, fh - ph - 1); k++) {
      accA += tmp[k * ow + x]!
      if (b) accB += tmp[tb + k * ow + x]!
    }
    for (let y = 0; y < oh; y++) {
      const add = y - ph + fh - 1
      if (add >= 0 && add < h) {
        accA += tmp[add * ow + x]!
        if (b) accB += tmp[tb + add * ow + x]!
      }
      const drop = y - ph - 1
      if (drop >= 0 && drop < h) {
        accA -= tmp[drop * ow + x]!
        if (b) accB -= tmp[tb + drop * ow + x]!
      }
      const o = y * ow + x
      const sig = scale * accA + b2
      dstA[o] = sig
      if (b) dstB![o] = scale * accB + sig
    }
  }
}

// Full covariance, index [ih, iw, jh, jw]: the same offset moves both points' positions, so along a pass
// the source index advances by a fixed step (both axes at once) over the offsets valid for both.
function boxFull(src: Float64Array, dst: Float64Array, tmp: Float64Array, h: number, w: number, oh: number, ow: number, fh: number, fw: number, ph: number, pw: number, scale: number, add: Float64Array | number): void {
  // along the width axes: tmp[ih, iw′, jh, jw′] = Σ_dx src[ih, iw′ + dx − pw, jh, jw′ + dx − pw]   ([h, ow, h, ow])
  const stepW = h * w + 1
  for (let ih = 0; ih < h; ih++) {
    for (let iw = 0; iw < ow; iw++) {
      for (let jh = 0; jh < h; jh++) {
        const srcBase = (ih * w * h + jh) * w // src index of [ih, 0, jh, 0]
        const outBase = ((ih * ow + iw) * h + jh) * ow
        for (let jw = 0; jw < ow; jw++) {
          const lo = Math.max(0, pw - iw, pw - jw)
          const hi = Math.min(fw, w + pw - iw, w + pw - jw)
          let acc = 0
          let k = srcBase + (iw + lo - pw) * h * w + (jw + lo - pw)
          for (let dx = lo; dx < hi; dx++, k += stepW) acc += src[k]!
          tmp[outBase + jw] = acc
        }
      }
    }
  }
  // along the height axes: dst[ih′, iw, jh′, jw] = scale · Σ_dy tmp[ih′ + dy − ph, iw, jh′ + dy − ph, jw] + add
  const addArr = typeof add === 'number' ? null : add
  const addNum = typeof add === 'number' ? add : 0
  const stepH = ow * h * ow + ow
  for (let ih = 0; ih < oh; ih++) {
    for (let iw = 0; iw < ow; iw++) {
      for (let jh = 0; jh < oh; jh++) {
        const lo = Math.max(0, ph - ih, ph - jh)
        const hi = Math.min(fh, h + ph - ih, h + ph - jh)
        const outBase = ((ih * ow + iw) * oh + jh) * ow
        const first = (((ih + lo - ph) * ow + iw) * h + (jh + lo - ph)) * ow
        for (let jw = 0; jw < ow; jw++) {
          let acc = 0
          let k = first + jw
          for (let dy = lo; dy < hi; dy++, k += stepH) acc += tmp[k]!
          const o = outBase + jw
          dst[o] = scale * acc + (addArr ? addArr[o]! : addNum)
        }
      }
    }
  }
}

/** The filter's size, each patch position's weight variance σ_w²/(fh·fw), and the bias variance σ_b². */
function convVariances(o: ConvOptions): { fh: number; fw: number; scale: number; b2: number } {
  const [fh, fw] = o.size
  return { fh, fw, scale: (o.wStd * o.wStd) / (fh * fw), b2: o.bStd === null ? 0 : o.bStd * o.bStd }
}

export function conv2dKernel(o: ConvOptions): PairRule {
  const { fh, fw, scale, b2 } = convVariances(o)
  return (s: PairState) => {
    const ay = convAxis(s.h, fh, o.padding)
    const ax = convAxis(s.w, fw, o.padding)
    if (s.full) {
      boxFull(s.nngp, s.nngpAlt, s.tmp, s.h, s.w, ay.out, ax.out, fh, fw, ay.pad, ax.pad, scale, b2)
      swapNngp(s)
      if (s.ntk) {
        boxFull(s.ntk, s.ntkAlt!, s.tmp, s.h, s.w, ay.out, ax.out, fh, fw, ay.pad, ax.pad, scale, s.nngp)
        swapNtk(s)
      }
    } else {
      boxDiag(s.nngp, s.ntk, s.nngpAlt, s.ntkAlt, s.tmp, s.h, s.w, ay.out, ax.out, fh, fw, ay.pad, ax.pad, scale, b2)
      swapNngp(s)
      if (s.ntk) swapNtk(s)
    }
    s.h = ay.out
    s.w = ax.out
  }
}

/** Finite forward, x [n, h, w, c] → [n, h′, w′, filters]; params.w [F, F, c, filters], params.b [filters]. */
export function conv2dForward(o: ConvOptions, p: LayerParams, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const w = p.w as tf.Tensor4D
    const fanIn = w.shape[0] * w.shape[1] * w.shape[2]
    const z = tf.mul(tf.conv2d(x, w, 1, o.padding), o.wStd / Math.sqrt(fanIn)) as tf.Tensor4D
    return o.bStd === null || !p.b ? z : (tf.add(z, tf.mul(p.b, o.bStd)) as tf.Tensor4D)
  })
}

/** Parameter shapes of the finite layer. */
export function conv2dParamShapes(o: ConvOptions, inChannels: number, filters: number): { w: number[]; b: number[] | null } {
  return { w: [o.size[0], o.size[1], inChannels, filters], b: o.bStd === null ? null : [filters] }
}

/**
 * im2col: x [N, h, w, c] → [N, h′·w′, F·F·c], each output position's receptive field in the order of W's
 * [F, F, c, ·] entries (offset row, offset column, channel), zero padding as the forward pads ('same':
 * floor((F − 1)/2) before).
 */
export function conv2dPatches(o: Pick<ConvOptions, 'size' | 'padding'>, x: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape
    const [fh, fw] = o.size
    const ay = convAxis(h, fh, o.padding)
    const ax = convAxis(w, fw, o.padding)
    const padded = o.padding === 'same' ? tf.pad(x, [[0, 0], [ay.pad, fh - 1 - ay.pad], [ax.pad, fw - 1 - ax.pad], [0, 0]]) : x
    const parts: tf.Tensor4D[] = []
    for (let dy = 0; dy < fh; dy++) for (let dx = 0; dx < fw; dx++) parts.push(tf.slice(padded, [0, dy, dx, 0], [n, ay.out, ax.out, c]))
    return tf.reshape(parts.length === 1 ? parts[0]! : tf.concat(parts, 3), [n, ay.out * ax.out, fh * fw * c]) as tf.Tensor3D
  })
}

/** Per-example Jacobian entries held at once by conv2dEmpirical (filters are taken in chunks below it). */
const JACOBIAN_FLOATS = 1 << 23

/**
 * Empirical NTK term of the layer's parameters for one output unit (Jacot et al. 2018; Arora et al. 2019,
 * §3): with the layer input h [N, h, w, c] and G = ∂f/∂z [N, h′, w′, filters] per example,
 *   ∂f/∂W_{δ,c,f} = wScale Σ_i G_{i,f} h_{i+δ,c}   (wScale = σ_w/√(F²c)),   ∂f/∂b_f = σ_b Σ_i G_{i,f},
 *   Θ̂_W+b(x, x′) = ⟨∂f(x)/∂W, ∂f(x′)/∂W⟩ + ⟨∂f(x)/∂b, ∂f(x′)/∂b⟩.
 * The per-example weight Jacobian is patchesᵀ·G (im2col), built and contracted a chunk of filters at a time.
 */
export function conv2dEmpirical(o: ConvOptions, h: tf.Tensor4D, g: tf.Tensor4D, bl: Blocks): tf.Tensor2D {
  const [n, , , c] = h.shape
  const filters = g.shape[3]
  const positions = g.shape[1] * g.shape[2]
  const fan = o.size[0] * o.size[1] * c
  const patchesT = tf.tidy(() => tf.transpose(conv2dPatches(o, h), [0, 2, 1]) as tf.Tensor3D) // [N, F²c, P]
  const g3 = tf.reshape(g, [n, positions, filters]) as tf.Tensor3D
  let acc: tf.Tensor2D | null = null
  const add = (t: tf.Tensor2D): void => {
    if (!acc) acc = t
    else {
      const next: tf.Tensor2D = tf.add(acc, t)
      acc.dispose()
      t.dispose()
      acc = next
    }
  }
  try {
    const step = Math.max(1, Math.floor(JACOBIAN_FLOATS / (n * fan)))
    for (let f0 = 0; f0 < filters; f0 += step) {
      const m = Math.min(step, filters - f0)
      add(
        tf.tidy(() => {
          const gc = m === filters ? g3 : tf.slice(g3, [0, 0, f0], [n, positions, m])
          const j = tf.reshape(tf.matMul(patchesT, gc), [n, fan * m]) as tf.Tensor2D
          return tf.mul(gramAB(j, bl), (o.wStd * o.wStd) / fan) as tf.Tensor2D
        }),
      )
    }
    if (o.bStd !== null) add(tf.tidy(() => tf.mul(gramAB(tf.sum(g3, 1) as tf.Tensor2D, bl), o.bStd! * o.bStd!) as tf.Tensor2D))
    const out = acc as tf.Tensor2D | null
    acc = null
    return out!
  } catch (e) {
    ;(acc as tf.Tensor2D | null)?.dispose()
    throw e
  } finally {
    patchesT.dispose()
    g3.dispose()
  }
}

/**
 * The kernel rule in tensor form on a batch of pairs' spatial diagonals (differentiable; PairBatch): the
 * patch mean is a convolution of each pair's h×w map with an F×F box of ones, zero padded as the forward.
 */
export function conv2dKernelTf(o: ConvOptions): PairBatchRule {
  const { fh, fw, scale, b2 } = convVariances(o)
  return (s: PairBatch) => {
    const ay = convAxis(s.h, fh, o.padding)
    const ax = convAxis(s.w, fw, o.padding)
    const B = s.nngp.shape[0]
    const box = tf.ones([fh, fw, 1, 1]) as tf.Tensor4D
    const mean = (t: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.mul(tf.conv2d(tf.reshape(t, [B, s.h, s.w, 1]) as tf.Tensor4D, box, 1, o.padding), scale), [B, ay.out * ax.out]) as tf.Tensor2D
    const nngp = (b2 === 0 ? mean(s.nngp) : tf.add(mean(s.nngp), b2)) as tf.Tensor2D
    return { h: ay.out, w: ax.out, nngp, ntk: s.ntk ? (tf.add(mean(s.ntk), nngp) as tf.Tensor2D) : null }
  }
}
