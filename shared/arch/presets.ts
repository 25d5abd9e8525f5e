import { formatActivation } from './activations'
import type { FcArch } from './fc'
import type { NetArchInput } from './layers'

// Starting points for the architecture editor. σ_w = √2 (He scaling) keeps ReLU kernels from shrinking with
// depth; the defaults (defaults.ts) stay neural-tangents' σ_w = 1.
const SQRT2 = Math.SQRT2

export interface ArchPreset {
  id: string
  label: string
  /** what it is and where it comes from */
  summary: string
  arch: NetArchInput
}

const conv = (activation = 'relu') => ({ type: 'conv2d' as const, filters: 64, kernel: 3, padding: 'same' as const, activation, wStd: SQRT2, bStd: 0.1 })

export const ARCH_PRESETS: readonly ArchPreset[] = [
  {
    id: 'fc',
    label: 'FC',
    summary: 'Two hidden Dense+ReLU layers and a Dense readout: the fully-connected kernel (docs/math.md §1).',
    arch: { layers: [{ type: 'dense', units: 512, activation: 'relu', wStd: SQRT2, bStd: 0.1 }, { type: 'dense', units: 512, activation: 'relu', wStd: SQRT2, bStd: 0.1 }], readout: true },
  },
  {
    id: 'cnn-gp-flatten',
    label: 'CNN-GP (flatten)',
    summary: 'Three same-padded 3×3 ReLU convolutions, flatten, readout (Novak et al. 2019): only the spatial diagonal of the covariance is tracked.',
    arch: { layers: [conv(), conv(), conv(), { type: 'flatten' }], readout: true },
  },
  {
    id: 'cntk-gap',
    label: 'CNTK + global average pooling',
    summary: 'Three same-padded 3×3 ReLU convolutions, global average pooling, readout (Arora et al. 2019): the full covariance between positions is tracked.',
    arch: { layers: [conv(), conv(), conv(), { type: 'globalavgpool' }], readout: true },
  },
  {
    id: 'myrtle-5',
    label: 'Myrtle-5',
    summary: 'conv×2, avgpool 2, conv, avgpool 2, conv, global average pooling, readout (Shankar et al. 2020, "Neural kernels without tangents"); for 32×32 inputs the final pooling equals their three 2×2 pools.',
    arch: {
      layers: [conv(), conv(), { type: 'avgpool2d', pool: 2 }, conv(), { type: 'avgpool2d', pool: 2 }, conv(), { type: 'globalavgpool' }],
      readout: true,
    },
  },
]

/** The layered form of an FcArch (depth × Dense→φ, then the readout), for editors and the layered engine path. */
export function fcToNet(fc: FcArch, units = 512): NetArchInput {
  const bStd = fc.bStd ?? null
  const hidden = Array.from({ length: fc.depth }, () => ({ type: 'dense' as const, units: fc.width === 'inf' ? units : fc.width, activation: formatActivation(fc.activation), wStd: fc.wStd, bStd, bias: bStd !== null }))
  return { layers: [...hidden, { type: 'readout', wStd: fc.wStd, bStd, bias: bStd !== null }], readout: true }
}
