import type { ImportOptions } from './dataset'

// The import options' defaults, kept apart from their zod schema (shared/dataset.ts uses them) so that
// reading a file without options (`ntkw data inspect FILE`) does not load zod: parsing zod's sources is
// ≈ 0.1 s of CPU, a third of that command's start-up budget (docs/performance.md).
export const IMPORT_DEFAULTS = {
  task: 'auto',
  categorical: 'one-hot',
  missing: 'error',
  color: 'auto',
} as const

/** `ImportOptions.parse({})` without zod: a fresh object each call (the arrays are the caller's to keep). */
export function importDefaults(): ImportOptions {
  return { ...IMPORT_DEFAULTS, categoricalColumns: [], drop: [] }
}
