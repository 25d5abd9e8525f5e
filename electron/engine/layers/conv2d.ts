import * as tf from '@tensorflow/tfjs-core'
import { type LayerParams, type PairRule, type PairState, swapNngp, swapNtk } from './types'

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

// Diagonal: dst[y, x] = scale · Σ_{dy, dx} src[y + dy − ph, x + dx − pw] + add
function boxDiag(src: Float64Array, dst: Float64Array, tmp: Float64Array, h: number, w: number, oh: number, ow: number, fh: number, fw: number, ph: number, pw: number, scale: number, add: Float64Array | number): void {
  for (let y = 0; y < h; y++) {
    const r = y * w
    for (let x = 0; x < ow; x++) {
      let acc = 0
      const lo = Math.max(0, x - pw)
      const hi = Math.min(w, x - pw + fw)
      for (let k = lo; k < hi; k++) acc += src[r + k]!
      tmp[y * ow + x] = acc
    }
  }
  const addArr = typeof add === 'number' ? null : add
  const addNum = typeof add === 'number' ? add : 0
  for (let y = 0; y < oh; y++) {
    const lo = Math.max(0, y - ph)
    const hi = Math.min(h, y - ph + fh)
    for (let x = 0; x < ow; x++) {
      let acc = 0
      for (let k = lo; k < hi; k++) acc += tmp[k * ow + x]!
      const o = y * ow + x
      dst[o] = scale * acc + (addArr ? addArr[o]! : addNum)
    }
  }
}

// Full covariance, index [ih, iw, jh, jw]: the same offset moves both points' positions.
function boxFull(src: Float64Array, dst: Float64Array, tmp: Float64Array, h: number, w: number, oh: number, ow: number, fh: number, fw: number, ph: number, pw: number, scale: number, add: Float64Array | number): void {
  // along the width axes: tmp[ih, iw′, jh, jw′] = Σ_dx src[ih, iw′ + dx − pw, jh, jw′ + dx − pw]   ([h, ow, h, ow])
  for (let ih = 0; ih < h; ih++) {
    for (let iw = 0; iw < ow; iw++) {
      for (let jh = 0; jh < h; jh++) {
        const srcBase = (ih * w * h + jh) * w // src index of [ih, 0, jh, 0]
        const outBase = ((ih * ow + iw) * h + jh) * ow
        for (let jw = 0; jw < ow; jw++) {
          let acc = 0
          for (let dx = 0; dx < fw; dx++) {
            const a = iw + dx - pw
            const b = jw + dx - pw
            if (a >= 0 && a < w && b >= 0 && b < w) acc += src[srcBase + a * h * w + b]!
          }
          tmp[outBase + jw] = acc
        }
      }
    }
  }
  // along the height axes: dst[ih′, iw, jh′, jw] = scale · Σ_dy tmp[ih′ + dy − ph, iw, jh′ + dy − ph, jw] + add
  const addArr = typeof add === 'number' ? null : add
  const addNum = typeof add === 'number' ? add : 0
  for (let ih = 0; ih < oh; ih++) {
    for (let iw = 0; iw < ow; iw++) {
      for (let jh = 0; jh < oh; jh++) {
        const outBase = ((ih * ow + iw) * oh + jh) * ow
        for (let jw = 0; jw < ow; jw++) {
          let acc = 0
          for (let dy = 0; dy < fh; dy++) {
            const a = ih + dy - ph
            const b = jh + dy - ph
            if (a >= 0 && a < h && b >= 0 && b < h) acc += tmp[((a * ow + iw) * h + b) * ow + jw]!
          }
          const o = outBase + jw
          dst[o] = scale * acc + (addArr ? addArr[o]! : addNum)
        }
      }
    }
  }
}

export function conv2dKernel(o: ConvOptions): PairRule {
  const [fh, fw] = o.size
  const w2 = o.wStd * o.wStd
  const b2 = o.bStd === null ? 0 : o.bStd * o.bStd
  const scale = w2 / (fh * fw)
  return (s: PairState) => {
    const ay = convAxis(s.h, fh, o.padding)
    const ax = convAxis(s.w, fw, o.padding)
    const box = s.full ? boxFull : boxDiag
    box(s.nngp, s.nngpAlt, s.tmp, s.h, s.w, ay.out, ax.out, fh, fw, ay.pad, ax.pad, scale, b2)
    swapNngp(s)
    if (s.ntk) {
      box(s.ntk, s.ntkAlt!, s.tmp, s.h, s.w, ay.out, ax.out, fh, fw, ay.pad, ax.pad, scale, s.nngp)
      swapNtk(s)
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
