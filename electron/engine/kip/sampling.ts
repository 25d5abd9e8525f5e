import { UserError } from '../../../shared/errors'
import { Xoshiro128 } from '../core/random'
import { concatInto, totalLength } from '../io/concat'

/** Integer class labels as indices per class (classes 0 … C−1). */
export interface ClassIndex {
  classes: number
  byClass: Int32Array[]
}

/** Reads a label column (n×1 integers ≥ 0) and groups row indices by class; every class must occur. */
export function indexClasses(labels: ArrayLike<number>, what = 'y'): ClassIndex {
  const n = labels.length
  let max = -1
  for (let i = 0; i < n; i++) {
    const v = labels[i]!
    if (!Number.isInteger(v) || v < 0) {
      throw new UserError('bad_labels', `${what} must hold integer class labels ≥ 0; row ${i} is ${v}`, 'Pass one integer class per row (e.g. 0–9 for digits), not one-hot rows.')
    }
    if (v > max) max = v
  }
  if (max < 1) throw new UserError('one_class', `${what} has only one class`, 'KIP learns a support set per class: it needs at least two classes.')
  const counts = new Int32Array(max + 1)
  for (let i = 0; i < n; i++) counts[labels[i]!]!++
  const missing = [...counts.keys()].filter((c) => counts[c] === 0)
  if (missing.length > 0) {
    throw new UserError('empty_class', `class ${missing.join(', ')} has no samples in ${what} (labels run 0–${max})`, 'Relabel the classes as 0 … C−1 without gaps, or add samples of the missing classes.')
  }
  const byClass = [...counts].map((c) => new Int32Array(c))
  const fill = new Int32Array(max + 1)
  for (let i = 0; i < n; i++) {
    const c = labels[i]!
    byClass[c]![fill[c]!++] = i
  }
  return { classes: max + 1, byClass }
}

/** `k` distinct indices from `pool`, seeded (partial Fisher–Yates on a copy). */
export function sampleWithoutReplacement(pool: Int32Array, k: number, rng: Xoshiro128): Int32Array {
  const a = Int32Array.from(pool)
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(a.length - i)
    const t = a[i]!
    a[i] = a[j]!
    a[j] = t
  }
  return a.subarray(0, k)
}

/** Row indices of k real samples per class (class-major order: class 0's k rows first). */
export function realSupport(idx: ClassIndex, perClass: number, rng: Xoshiro128): Int32Array {
  const small = idx.byClass.map((p, c) => ({ c, n: p.length })).filter((e) => e.n < perClass)
  if (small.length > 0) {
    throw new UserError(
      'per_class_too_large',
      `--per-class ${perClass} is more than class ${small[0]!.c} has (${small[0]!.n} samples${small.length > 1 ? `; ${small.length} classes are too small` : ''})`,
      `Use --per-class ${Math.min(...idx.byClass.map((p) => p.length))} or less, or add samples.`,
    )
  }
  const out = new Int32Array(perClass * idx.classes)
  idx.byClass.forEach((pool, c) => out.set(sampleWithoutReplacement(pool, perClass, rng), c * perClass))
  return out
}

/**
 * A class-balanced target batch (as the KIP reference draws them): ⌊B/C⌋ distinct samples of every
 * class, the remainder spread over the first classes; a class smaller than its share gives all it has.
 */
export function balancedBatch(idx: ClassIndex, batch: number, rng: Xoshiro128): Int32Array {
  const base = Math.floor(batch / idx.classes)
  const extra = batch - base * idx.classes
  const parts: Int32Array[] = []
  idx.byClass.forEach((pool, c) => parts.push(sampleWithoutReplacement(pool, Math.min(pool.length, base + (c < extra ? 1 : 0)), rng)))
  return concatInto(new Int32Array(totalLength(parts)), parts)
}

/** One-hot rows minus 1/C (the KIP reference's zero-mean label encoding). */
export function centredOneHot(labels: ArrayLike<number>, classes: number): Float64Array {
  const y = new Float64Array(labels.length * classes).fill(-1 / classes)
  for (let i = 0; i < labels.length; i++) y[i * classes + labels[i]!] = 1 - 1 / classes
  return y
}
