import { z } from 'zod'
import { modelActivationError } from './activations'

// ARCH.json: one sequential network description read two ways. `ntkw train --arch` builds the finite network
// (Keras/TF.js layer semantics, channels last); `ntkw kernel|empirical|predict|kip|self-distill --arch` reads
// the same file with infinite-width semantics (kernel-plan.ts): filters and units are ignored by the analytic
// kernel and used by the empirical one; wStd/bStd are the layer's σ_w/σ_b in the NTK parameterization.

const Int = z.number().int()
const Pos = Int.min(1)
const Size2 = z.union([Pos.max(64), z.tuple([Pos.max(64), Pos.max(64)])])
/** an engine activation in the CLI syntax (relu, erf, leaky_relu:0.1, ...) or a Keras-only one (tanh, sigmoid, ...) */
const ActivationText = z
  .string()
  .min(1)
  .max(64)
  .superRefine((text, ctx) => {
    const err = modelActivationError(text)
    if (err) ctx.addIssue({ code: 'custom', message: err })
  })
/** σ_w of a layer; absent: the command's --w-std (default 1) */
const WStd = z.number().positive().finite().optional()
/** σ_b of a layer; absent: the command's --b-std; null: no bias term in the kernel */
const BStd = z.number().min(0).finite().nullable().optional()

export const NetLayer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dense'), units: Pos.max(1 << 16), activation: ActivationText.optional(), bias: z.boolean().default(true), wStd: WStd, bStd: BStd }).strict(),
  z
    .object({
      type: z.literal('conv2d'),
      filters: Pos.max(4096),
      kernel: Size2.default(3),
      stride: Size2.default(1),
      padding: z.enum(['valid', 'same']).default('valid'),
      activation: ActivationText.optional(),
      bias: z.boolean().default(true),
      wStd: WStd,
      bStd: BStd,
    })
    .strict(),
  z.object({ type: z.literal('maxpool2d'), pool: Size2.default(2), stride: Size2.optional(), padding: z.enum(['valid', 'same']).default('valid') }).strict(),
  z.object({ type: z.literal('avgpool2d'), pool: Size2.default(2), stride: Size2.optional(), padding: z.enum(['valid', 'same']).default('valid') }).strict(),
  /** mean over all spatial positions: [h, w, c] → [c] */
  z.object({ type: z.literal('globalavgpool') }).strict(),
  z.object({ type: z.literal('flatten') }).strict(),
  z.object({ type: z.literal('dropout'), rate: z.number().min(0).max(0.95) }).strict(),
  z.object({ type: z.literal('batchnorm'), momentum: z.number().min(0).max(1).default(0.99), epsilon: z.number().positive().default(1e-3) }).strict(),
  z.object({ type: z.literal('activation'), activation: ActivationText }).strict(),
  z.object({ type: z.literal('relu') }).strict(),
  /** the Dense readout, written out to give it its own σ_w/σ_b (otherwise `readout: true` appends one) */
  z.object({ type: z.literal('readout'), bias: z.boolean().default(true), wStd: WStd, bStd: BStd }).strict(),
])
export type NetLayer = z.infer<typeof NetLayer>
export type NetLayerType = NetLayer['type']

/** Every layer type, in the order editors list them. */
export const NET_LAYER_TYPES: readonly NetLayerType[] = ['conv2d', 'avgpool2d', 'globalavgpool', 'flatten', 'dense', 'activation', 'relu', 'readout', 'maxpool2d', 'dropout', 'batchnorm']

/** ARCH.json: a sequential network; a Dense readout with one unit per class is appended unless readout is false. */
export const NetArch = z
  .object({
    /** input shape without the batch: [d] or [h, w] or [h, w, c]; absent: taken from the training data */
    input: z.array(Pos.max(1 << 20)).min(1).max(3).optional(),
    layers: z.array(NetLayer).max(128),
    readout: z.boolean().default(true),
  })
  .strict()
  .superRefine((a, ctx) => {
    a.layers.forEach((l, i) => {
      if (l.type !== 'readout') return
      if (i !== a.layers.length - 1) ctx.addIssue({ code: 'custom', path: ['layers', i], message: `layer ${i + 1} (readout) must be the last layer` })
      if (!a.readout) ctx.addIssue({ code: 'custom', path: ['readout'], message: 'readout is false but the layers end with a readout layer' })
    })
  })
export type NetArch = z.infer<typeof NetArch>
export type NetArchInput = z.input<typeof NetArch>

/** "layer 3 (conv2d)": how errors name a layer (1-based, as a reader counts the file's list). */
export function layerName(index: number, layer: { type: string }): string {
  return `layer ${index + 1} (${layer.type})`
}

/**
 * The network with every conv2d's filters and every dense layer's units set to `channels` (the finite
 * networks of a width sweep, channels → ∞); the readout keeps its outputs.
 */
export function withChannels(net: NetArch, channels: number): NetArch {
  return {
    ...net,
    layers: net.layers.map((l) => (l.type === 'conv2d' ? { ...l, filters: channels } : l.type === 'dense' ? { ...l, units: channels } : l)),
  }
}
