import { totalmem } from 'node:os'
import { UserError } from '../../../shared/errors'

/** Chunks stored in the project are at most this big (4 MiB). */
export const CHUNK_BYTES = 4 * 1024 * 1024

/** Memory an import may use: half the machine's memory, at most 8 GiB, unless the user says otherwise. */
export function memoryBudget(override?: number): number {
  if (override !== undefined) return override
  return Math.min(Math.floor(totalmem() / 2), 8 * 1024 ** 3)
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`
}

/** Refuses, before reading, an input whose in-memory form would exceed the budget. */
export function checkBudget(name: string, needBytes: number, budget: number, what = 'this dataset'): void {
  if (!Number.isFinite(needBytes) || needBytes > budget) {
    throw new UserError(
      'too_large',
      `${name}: ${what} needs about ${Number.isFinite(needBytes) ? gib(needBytes) : 'an unbounded amount of'} memory, more than the ${gib(budget)} this import may use`,
      'Import a subset (e.g. the first rows, or fewer images per class), downscale images with a smaller size, or run on a machine with more memory.',
    )
  }
}
