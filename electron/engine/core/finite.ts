import { UserError } from '../../../shared/errors'

// One NaN/Inf check for the engine: every place that refuses non-finite numbers raises the same error code
// ('non_finite') with where the first bad value is and how to fix it.

/** Index of the first NaN/±Inf value, or −1. */
export function firstNonFinite(a: ArrayLike<number>, count = a.length): number {
  for (let i = 0; i < count; i++) if (!Number.isFinite(a[i]!)) return i
  return -1
}

/**
 * Throws `non_finite` if `a` (row-major with `cols` columns when given) holds a NaN or ±Inf, naming the
 * first one's position and value.
 */
export function assertFiniteArray(a: ArrayLike<number>, what: string, hint: string, cols?: number, count = a.length): void {
  const i = firstNonFinite(a, count)
  if (i < 0) return
  const at = cols ? `row ${Math.floor(i / cols)}, column ${i % cols}` : `element ${i}`
  throw new UserError('non_finite', `${what} contains ${String(a[i])} at ${at}`, hint)
}
