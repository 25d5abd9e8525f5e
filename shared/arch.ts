import { z } from 'zod'

// Activation specs follow docs/math.md §1 names. Parameterised ones carry their constants explicitly so a
// saved JobSpec is self-describing and reproducible.
export const ActivationSpec = z.discriminatedUnion('name', [
  z.object({ name: z.literal('relu') }),
  z.object({ name: z.literal('identity') }),
  z.object({ name: z.literal('abs') }),
  z.object({ name: z.literal('gelu') }),
  z.object({ name: z.literal('sin') }),
  z.object({ name: z.literal('leaky_relu'), alpha: z.number().finite() }),
  z.object({ name: z.literal('abrelu'), a: z.number().finite(), b: z.number().finite() }),
  z.object({
    name: z.literal('erf'),
    a: z.number().finite().default(1),
    b: z.number().finite().default(1),
    c: z.number().finite().default(0),
  }),
])
export type ActivationSpec = z.infer<typeof ActivationSpec>

export const Parameterization = z.enum(['ntk', 'standard'])
export type Parameterization = z.infer<typeof Parameterization>

// A fully-connected network: `depth` hidden Dense+activation pairs, then a Dense readout.
export const FcArch = z.object({
  depth: z.number().int().min(0).max(64),
  /** hidden width; 'inf' means the analytic infinite-width limit */
  width: z.union([z.number().int().min(1).max(1 << 16), z.literal('inf')]).default('inf'),
  activation: ActivationSpec,
  wStd: z.number().positive().finite().default(1),
  /** null or absent: no bias */
  bStd: z.number().min(0).finite().nullable().default(null),
  parameterization: Parameterization.default('ntk'),
})
export type FcArch = z.infer<typeof FcArch>

/** Parses the CLI activation syntax: relu, erf, leaky_relu:ALPHA, abrelu:A,B, erf:A,B,C ... */
export function parseActivation(text: string): ActivationSpec {
  const [rawName, rawArgs] = text.trim().split(':', 2) as [string, string | undefined]
  const name = rawName.toLowerCase()
  const args = rawArgs === undefined || rawArgs === '' ? [] : rawArgs.split(',').map((s) => Number(s.trim()))
  if (args.some((v) => !Number.isFinite(v))) {
    throw new Error(`activation '${text}': parameters must be numbers, e.g. leaky_relu:0.1 or erf:1,1,0`)
  }
  const want = (n: number[], usage: string): void => {
    if (!n.includes(args.length)) throw new Error(`activation '${text}': expected ${usage}`)
  }
  switch (name) {
    case 'relu':
    case 'identity':
    case 'abs':
    case 'gelu':
    case 'sin':
      want([0], `no parameters for ${name}`)
      return { name }
    case 'leaky_relu':
      // No silent default slope: 0.01 (PyTorch), 0.2 (TF) and 0.3 (Keras) are all common.
      want([1], 'leaky_relu:ALPHA with the slope for x < 0, e.g. leaky_relu:0.1')
      return { name, alpha: args[0]! }
    case 'abrelu':
      want([2], 'abrelu:A,B')
      return { name, a: args[0]!, b: args[1]! }
    case 'erf':
      want([0, 3], 'erf or erf:A,B,C (a·erf(b·x)+c)')
      return { name, a: args[0] ?? 1, b: args[1] ?? 1, c: args[2] ?? 0 }
    default:
      throw new Error(
        `unknown activation '${rawName}'. Known: relu, erf, gelu, sin, identity, abs, leaky_relu:ALPHA, abrelu:A,B, erf:A,B,C`,
      )
  }
}

export function formatActivation(a: ActivationSpec): string {
  switch (a.name) {
    case 'leaky_relu':
      return `leaky_relu:${a.alpha}`
    case 'abrelu':
      return `abrelu:${a.a},${a.b}`
    case 'erf':
      return a.a === 1 && a.b === 1 && a.c === 0 ? 'erf' : `erf:${a.a},${a.b},${a.c}`
    default:
      return a.name
  }
}
