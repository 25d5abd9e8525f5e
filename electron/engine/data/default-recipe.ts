import type { DatasetSchema, Recipe, RecipeInput } from '../../../shared/dataset'

// The recipe a freshly imported dataset gets, so it can be used at once: every NTK Lab experiment needs a
// train and a test part, and kernels of unscaled tabular features are dominated by the largest column.
//   split:  70 % train / 15 % validation / 15 % test, seeded (0), stratified by class when there are classes
//   scale:  tabular → standardize (fitted on the train part); images → none when already in [0, 1]
//           (8-bit images are stored as v/255), else min-max to [0, 1]
// Anything the user passes explicitly (CLI recipe flags, the import form) wins field by field.

export const DEFAULT_SPLIT = { train: 0.7, validation: 0.15 } as const

export function defaultRecipe(schema: DatasetSchema): RecipeInput {
  const inUnit = schema.summary.min >= 0 && schema.summary.max <= 1
  const scale: Recipe['scale'] = schema.image ? (inUnit ? 'none' : 'min-max') : 'standardize'
  const recipe: RecipeInput = { scale }
  if (schema.rows >= 4) {
    recipe.split = { ...DEFAULT_SPLIT, seed: 0, stratified: schema.task === 'classification' }
  }
  return recipe
}

/** The default recipe with the user's fields laid over it (a user's `split` replaces the default split whole). */
export function withDefaults(schema: DatasetSchema, user: RecipeInput | undefined): RecipeInput {
  return { ...defaultRecipe(schema), ...(user ?? {}) }
}

/** One line per recipe step, as `ntkw data import` prints it and the Datasets page shows it. */
export function describeRecipe(recipe: Recipe, counts?: { train: number; validation: number; test: number }): string[] {
  const lines: string[] = []
  if (recipe.subset) lines.push(`subset: ${recipe.subset.perClass} rows per class (seed ${recipe.subset.seed})`)
  if (recipe.split) {
    const s = recipe.split
    const test = Math.max(0, 1 - s.train - s.validation)
    const pct = (f: number): string => `${Math.round(f * 1000) / 10} %`
    const rows = counts ? ` = ${counts.train} / ${counts.validation} / ${counts.test} rows` : ''
    lines.push(`split: train ${pct(s.train)} / validation ${pct(s.validation)} / test ${pct(test)}${rows}${s.stratified ? ', stratified by class' : ''}, seed ${s.seed}`)
  } else {
    lines.push('split: none (every experiment that needs a test part will refuse this dataset)')
  }
  const scale = { none: 'none (values as stored)', standardize: 'standardize each feature (mean 0, std 1, fitted on the train part)', 'min-max': 'min-max each feature to [0, 1] (fitted on the train part)' }[recipe.scale]
  lines.push(`scale: ${scale}`)
  if (recipe.l2Normalize) lines.push('rows scaled to unit L2 norm')
  if (recipe.labels === 'regression') lines.push('labels: class index as a regression target')
  return lines
}
