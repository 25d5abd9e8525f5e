import { z } from 'zod'
import { activationEntry, activationUsage, isActivationName, MODEL_ONLY_ACTIVATIONS, syntaxOf, type ActivationName } from './activation-names'

// The activation spec (zod) and the CLI syntax; the catalogue itself is activation-names.ts.

const Finite = z.number().finite()

// Parameterised ones carry their constants explicitly so a saved JobSpec is self-describing and reproducible.
export const ActivationSpec = z.discriminatedUnion('name', [
  z.object({ name: z.literal('relu') }),
  z.object({ name: z.literal('identity') }),
  z.object({ name: z.literal('abs') }),
  z.object({ name: z.literal('gelu') }),
  z.object({ name: z.literal('sin') }),
  z.object({ name: z.literal('leaky_relu'), alpha: Finite }),
  z.object({ name: z.literal('abrelu'), a: Finite, b: Finite }),
  z.object({ name: z.literal('erf'), a: Finite.default(1), b: Finite.default(1), c: Finite.default(0) }),
])
export type ActivationSpec = z.infer<typeof ActivationSpec>

/** Builds a spec from a name and parameter values (a form's fields); missing values take the entry's initial. */
export function activationFromParams(name: ActivationName, values: Record<string, number | undefined> = {}): ActivationSpec {
  const e = activationEntry(name)
  const spec: Record<string, unknown> = { name }
  for (const p of e.params) spec[p.key] = values[p.key] ?? p.initial
  return ActivationSpec.parse(spec)
}

/** Parameter values of a spec, keyed as the entry's params (for forms). */
export function activationParams(spec: ActivationSpec): Record<string, number> {
  const e = activationEntry(spec.name)
  const rec = spec as Record<string, unknown>
  return Object.fromEntries(e.params.map((p) => [p.key, typeof rec[p.key] === 'number' ? (rec[p.key] as number) : p.initial]))
}

/** Parses the CLI activation syntax: relu, erf, leaky_relu:ALPHA, abrelu:A,B, erf:A,B,C ... */
export function parseActivation(text: string): ActivationSpec {
  const [rawName, rawArgs] = text.trim().split(':', 2) as [string, string | undefined]
  const name = rawName.toLowerCase()
  const args = rawArgs === undefined || rawArgs === '' ? [] : rawArgs.split(',').map((s) => Number(s.trim()))
  if (args.some((v) => !Number.isFinite(v))) {
    throw new Error(`activation '${text}': parameters must be numbers, e.g. leaky_relu:0.1 or erf:1,1,0`)
  }
  if (!isActivationName(name)) throw new Error(`unknown activation '${rawName}'. Known: ${activationUsage()}`)
  const e = activationEntry(name)
  const canOmit = e.params.length > 0 && e.params.every((p) => p.omitted !== undefined)
  if (args.length !== e.params.length && !(canOmit && args.length === 0)) {
    const usage = e.params.length === 0 ? `no parameters for ${name}` : `${syntaxOf(e)}${canOmit ? ` or ${name}` : ''} ${e.paramHint ?? `(${e.label})`}`
    throw new Error(`activation '${text}': expected ${usage}`)
  }
  const spec: Record<string, unknown> = { name }
  e.params.forEach((p, i) => (spec[p.key] = args[i] ?? p.omitted))
  return ActivationSpec.parse(spec)
}

/** The CLI syntax of a spec (inverse of parseActivation; parameters left out where they all equal their omitted values). */
export function formatActivation(a: ActivationSpec): string {
  const e = activationEntry(a.name)
  if (e.params.length === 0) return a.name
  const values = activationParams(a)
  if (e.params.every((p) => p.omitted !== undefined && values[p.key] === p.omitted)) return a.name
  return `${a.name}:${e.params.map((p) => values[p.key]).join(',')}`
}

/** A model layer's activation text: an engine activation (CLI syntax) or a Keras-only name. Returns the error, or null. */
export function modelActivationError(text: string): string | null {
  const lower = text.trim().toLowerCase()
  if ((MODEL_ONLY_ACTIVATIONS as readonly string[]).includes(lower)) return null
  try {
    parseActivation(text)
    return null
  } catch (e) {
    return `${(e as Error).message}; models also take ${MODEL_ONLY_ACTIVATIONS.join(', ')}`
  }
}
