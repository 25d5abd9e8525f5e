import * as tf from '@tensorflow/tfjs-core'

// Fake quantization for training and for quantized activations: the forward pass rounds onto the grid,
//   x̂ = s·(clamp(round(x/s) + z, q_min, q_max) − z)
// (Jacob et al., CVPR 2018, §3), and the backward pass uses the clipped straight-through estimator
// (Bengio et al., "Estimating or Propagating Gradients Through Stochastic Neurons", 2013): ∂x̂/∂x = 1 inside
// the representable range, 0 outside.

export interface FakeQuantGrid {
  scale: number
  zeroPoint: number
  qmin: number
  qmax: number
}

export function fakeQuant(x: tf.Tensor, g: FakeQuantGrid): tf.Tensor {
  const lo = g.scale * (g.qmin - g.zeroPoint)
  const hi = g.scale * (g.qmax - g.zeroPoint)
  const inv = 1 / g.scale
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi])
    const value = tf.tidy(() => tf.mul(tf.sub(tf.clipByValue(tf.add(tf.round(tf.mul(xi, inv)), g.zeroPoint), g.qmin, g.qmax), g.zeroPoint), g.scale))
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = saved[0]!
        return tf.mul(dy, tf.cast(tf.logicalAnd(tf.greaterEqual(xs, lo), tf.lessEqual(xs, hi)), 'float32'))
      },
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0])
  return f(x)
}

// Learned step size (Esser et al., "Learned Step Size Quantization", ICLR 2020): v̂ = round(clip(v/s, −Q_N, Q_P))·s
// with s trained; ∂v̂/∂s = −v/s + round(v/s) inside, −Q_N below, Q_P above, scaled by g = 1/√(N·Q_P); ∂v̂/∂v is
// the clipped STE. s is a scalar or broadcasts along the last axis (per output channel).
export function lsqFakeQuant(v: tf.Tensor, s: tf.Tensor, qn: number, qp: number): tf.Tensor {
  const perElement = s.size === 1 ? v.size : v.size / s.size
  const gScale = 1 / Math.sqrt(perElement * qp)
  const f = tf.customGrad(((vi: tf.Tensor, si: tf.Tensor, save: tf.GradSaveFunc) => {
    save([vi, si])
    const value = tf.tidy(() => tf.mul(tf.round(tf.clipByValue(tf.div(vi, si), -qn, qp)), si))
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [vs, ss] = saved as [tf.Tensor, tf.Tensor]
        const r = tf.div(vs, ss)
        const below = tf.cast(tf.less(r, -qn), 'float32')
        const above = tf.cast(tf.greater(r, qp), 'float32')
        const inside = tf.sub(1, tf.add(below, above))
        const dv = tf.mul(dy, inside)
        const dsElem = tf.add(tf.mul(inside, tf.sub(tf.round(r), r)), tf.add(tf.mul(below, -qn), tf.mul(above, qp)))
        let ds = tf.mul(dy, dsElem)
        ds = s.size === 1 ? tf.sum(ds) : tf.sum(tf.reshape(ds, [-1, s.size]), 0)
        return [dv, tf.reshape(tf.mul(ds, gScale), ss.shape)]
      },
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0])
  return f(v, s)
}
