import * as tfl from '@tensorflow/tfjs-layers'
import { MODEL_ONLY_ACTIVATIONS, parseActivation } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'

// Engine activations as stock TF.js Layers layers, so stock tf.loadLayersModel runs them unchanged:
//   relu, gelu (exact x·Φ(x) in both), identity → Keras activations 'relu', 'gelu', 'linear';
//   leaky_relu(α)        → LeakyReLU(α);
//   abs = |x|            → LeakyReLU(α = −1)  (x < 0 ? −x : x);
//   abrelu(a, b) = a·min(x,0) + b·max(x,0) = b·LeakyReLU_{a/b}(x) → LeakyReLU(a/b), Rescaling(b)   (b ≠ 0),
//                         = −a·relu(−x)                          → Rescaling(−1), ReLU, Rescaling(−a) (b = 0).
// sin and erf have no stock equivalent: a model using them could not be loaded by stock TF.js, so they are
// refused with a clear error. Keras-only names (tanh, sigmoid, elu, ...) pass through.

// Keras activation names TF.js Layers runs as an Activation layer ('relu' and 'gelu' are also engine names).
const KERAS = new Set<string>([...MODEL_ONLY_ACTIVATIONS, 'relu', 'gelu', 'gelu_new'])

export { MODEL_ACTIVATIONS_USAGE as MODEL_ACTIVATIONS } from '../../../shared/arch/activation-names'
import { MODEL_ACTIVATIONS_USAGE as MODEL_ACTIVATIONS } from '../../../shared/arch/activation-names'

export type LayerFactory = (name: string) => tfl.layers.Layer

/** Stock layers computing the activation (empty for identity); `name(i)` gives each layer a unique name. */
export function activationLayers(text: string, name: (kind: string) => string): tfl.layers.Layer[] {
  const raw = text.trim()
  const lower = raw.toLowerCase()
  if (lower === 'hard_sigmoid') return [tfl.layers.activation({ activation: 'hardSigmoid', name: name('activation') })]
  if (KERAS.has(lower) && lower !== 'linear') return [tfl.layers.activation({ activation: lower as 'relu', name: name('activation') })]
  if (lower === 'linear') return []
  let spec
  try {
    spec = parseActivation(raw)
  } catch (e) {
    throw new UserError('bad_activation', `unknown activation '${raw}'`, `Models support: ${MODEL_ACTIVATIONS}. (${(e as Error).message})`)
  }
  switch (spec.name) {
    case 'relu':
      return [tfl.layers.reLU({ name: name('re_lu') })]
    case 'identity':
      return []
    case 'gelu':
      return [tfl.layers.activation({ activation: 'gelu', name: name('activation') })]
    case 'leaky_relu':
      return [tfl.layers.leakyReLU({ alpha: spec.alpha, name: name('leaky_re_lu') })]
    case 'abs':
      return [tfl.layers.leakyReLU({ alpha: -1, name: name('leaky_re_lu') })]
    case 'abrelu':
      if (spec.b !== 0) {
        const out: tfl.layers.Layer[] = [tfl.layers.leakyReLU({ alpha: spec.a / spec.b, name: name('leaky_re_lu') })]
        if (spec.b !== 1) out.push(tfl.layers.rescaling({ scale: spec.b, offset: 0, name: name('rescaling') }))
        return out
      }
      return [
        tfl.layers.rescaling({ scale: -1, offset: 0, name: name('rescaling') }),
        tfl.layers.reLU({ name: name('re_lu') }),
        tfl.layers.rescaling({ scale: -spec.a, offset: 0, name: name('rescaling') }),
      ]
    case 'sin':
    case 'erf':
      throw new UserError(
        'unsupported_activation',
        `activation '${raw}' has no equivalent among stock TF.js Layers activations, so stock tf.loadLayersModel could not load the model`,
        `Models support: ${MODEL_ACTIVATIONS}. ${spec.name} stays available for NTK/NNGP kernels in the NTK Lab.`,
      )
  }
}
