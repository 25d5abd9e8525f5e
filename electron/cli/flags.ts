import { existsSync } from 'node:fs'
import path from 'node:path'
import { activationUsage, parseActivation, type ActivationSpec } from '../../shared/arch'
import { UserError } from '../../shared/errors'

// Flag parsing shared by the compute commands: every bad value says what was expected and shows an example.

export const ACTIVATIONS = activationUsage()

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/** An existing input file; `usage` is the hint when a required flag is missing. */
export function inputFile(flag: string, v: string | undefined, usage: string, what = 'inputs are .npy arrays saved with numpy.save (float32 or float64, shape [n, d])'): string {
  if (!v) throw new UserError('usage', `--${flag} is required`, usage)
  const p = path.resolve(v)
  if (!existsSync(p)) throw new UserError('file_not_found', `--${flag}: no such file: ${v}`, `Check the path; ${what}.`)
  return p
}

export function number(flag: string, v: string | undefined, check: (n: number) => boolean, what: string, example: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UserError('bad_flag', `--${flag} ${v}: expected ${what}`, `e.g. --${flag} ${example}`)
  return n
}

export function required<T>(flag: string, v: T | undefined, hint: string): T {
  if (v === undefined) throw new UserError('usage', `--${flag} is required`, hint)
  return v
}

export function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt
  if (!(allowed as readonly string[]).includes(v)) throw new UserError('bad_flag', `--${flag} ${v}: expected one of ${allowed.join(', ')}`)
  return v as T
}

export const int = (lo: number, hi: number) => (n: number) => Number.isInteger(n) && n >= lo && n <= hi

export function activationFlag(v: string | undefined): ActivationSpec {
  if (!v) throw new UserError('usage', '--activation is required', `One of: ${ACTIVATIONS}`)
  try {
    return parseActivation(v)
  } catch (e) {
    throw new UserError('bad_activation', (e as Error).message, 'e.g. --activation relu, --activation leaky_relu:0.1 or --activation erf:1,1,0')
  }
}

/**
 * Checks every flag a command declares in `choices`: a value outside the list is a `bad_flag` error naming
 * the valid values (never a schema dump from deeper down). Repeated flags are checked one by one.
 */
export function checkChoices(values: Record<string, unknown>, choices: Record<string, readonly string[]> | undefined): void {
  for (const [flag, allowed] of Object.entries(choices ?? {})) {
    const v = values[flag]
    for (const one of Array.isArray(v) ? v : [v]) {
      if (typeof one !== 'string') continue
      if (!allowed.includes(one)) {
        throw new UserError('bad_flag', `--${flag} ${one}: not a valid choice`, `Valid choices for --${flag}: ${allowed.join(', ')}.`)
      }
    }
  }
}
