import type { DatasetSummary, RecipeInput } from '../../../shared/dataset'

// What an NTK Lab experiment needs from its dataset before Run is worth pressing: labels, and a recipe
// whose split has a train part (≥ 2 rows) and a test part. Checked in the builder so Run is disabled with
// the reason, and a fix is offered in place, instead of failing after the click.

export interface Requirement {
  ok: boolean
  /** why Run is disabled, in the app's words */
  reason?: string
  /** a recipe that fixes it (applied to the dataset by the "Fix" button) */
  fix?: { label: string; recipe: RecipeInput }
}

export const FIX_SPLIT = { train: 0.7, validation: 0.15, seed: 0 } as const

export function labRequirement(ds: DatasetSummary | undefined, datasetsLoaded: boolean): Requirement {
  if (!ds) return { ok: false, reason: datasetsLoaded ? 'Choose a dataset (import one on the Datasets page).' : 'Loading the datasets…' }
  if (ds.task === 'none') return { ok: false, reason: `“${ds.name}” has no labels: re-import it with a label column on the Datasets page.` }
  const split = ds.recipe.split
  const fixRecipe: RecipeInput = { ...ds.recipe, split: { ...FIX_SPLIT, stratified: ds.task === 'classification' } }
  const fix = { label: 'Split it 70 / 15 / 15', recipe: fixRecipe }
  if (!split) return { ok: false, reason: `“${ds.name}” has no train/test split yet.`, fix }
  const test = 1 - split.train - split.validation
  if (test <= 1e-9) return { ok: false, reason: `The split of “${ds.name}” leaves no test part.`, fix }
  const rows = ds.recipe.subset && ds.classes ? Math.min(ds.rows, ds.recipe.subset.perClass * ds.classes) : ds.rows
  if (Math.floor(rows * split.train) < 2) return { ok: false, reason: `The train part of “${ds.name}” has fewer than 2 rows.`, fix }
  return { ok: true }
}
