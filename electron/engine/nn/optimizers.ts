import * as tf from '@tensorflow/tfjs-core'

export type OptimizerName = 'gd' | 'sgd' | 'adam'

export interface AdamOptions {
  beta1: number
  beta2: number
  epsilon: number
}
export const ADAM_DEFAULTS: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }

/** Updates a list of parameter tensors in place of the old ones (returns the new tensors). */
export interface Optimizer {
  step(params: tf.Tensor[], grads: tf.Tensor[]): tf.Tensor[]
  dispose(): void
}

// GD and SGD share the update p ← p − η g; they differ only in the batch the gradient comes from.
export function sgd(lr: number): Optimizer {
  return {
    step: (params, grads) => params.map((p, i) => tf.tidy(() => tf.sub(p, tf.mul(grads[i]!, lr)))),
    dispose: () => {},
  }
}

// Adam (Kingma & Ba): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − η m̂/(√v̂ + ε) with bias corrections
// m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
export function adam(lr: number, o: AdamOptions = ADAM_DEFAULTS): Optimizer {
  let m: tf.Tensor[] | null = null
  let v: tf.Tensor[] | null = null
  let t = 0
  return {
    step(params, grads) {
      t++
      const mOld = m ?? params.map((p) => tf.zerosLike(p))
      const vOld = v ?? params.map((p) => tf.zerosLike(p))
      const c1 = 1 / (1 - o.beta1 ** t)
      const c2 = 1 / (1 - o.beta2 ** t)
      const mNew = grads.map((g, i) => tf.tidy(() => tf.add(tf.mul(mOld[i]!, o.beta1), tf.mul(g, 1 - o.beta1))))
      const vNew = grads.map((g, i) => tf.tidy(() => tf.add(tf.mul(vOld[i]!, o.beta2), tf.mul(tf.mul(g, g), 1 - o.beta2))))
      tf.dispose([...mOld, ...vOld])
      m = mNew
      v = vNew
      return params.map((p, i) =>
        tf.tidy(() => tf.sub(p, tf.mul(tf.div(tf.mul(mNew[i]!, c1), tf.add(tf.sqrt(tf.mul(vNew[i]!, c2)), o.epsilon)), lr))),
      )
    },
    dispose() {
      if (m) tf.dispose(m)
      if (v) tf.dispose(v)
      m = v = null
    },
  }
}

export function makeOptimizer(name: OptimizerName, lr: number, adamOptions?: AdamOptions): Optimizer {
  return name === 'adam' ? adam(lr, adamOptions) : sgd(lr)
}
