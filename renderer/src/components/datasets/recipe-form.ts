import { Recipe } from '../../../../shared/dataset'
import { issueText } from '../../forms/issue-text'

/** The recipe editor's fields as the user edits them (percentages, toggles), before validation. */
export interface RecipeForm {
  split: boolean
  trainPct: number
  validationPct: number
  stratified: boolean
  splitSeed: number
  subset: boolean
  perClass: number
  subsetSeed: number
  scale: Recipe['scale']
  l2Normalize: boolean
  flatten: Recipe['flatten']
  labels: Recipe['labels']
}

export type RecipeErrors = Partial<Record<'split' | 'trainPct' | 'validationPct' | 'splitSeed' | 'perClass' | 'subsetSeed' | 'form', string>>

const round = (x: number) => Math.round(x * 1e6) / 1e4

export function formFromRecipe(r: Recipe): RecipeForm {
  return {
    split: r.split !== undefined,
    trainPct: r.split ? round(r.split.train) : 70,
    validationPct: r.split ? round(r.split.validation) : 15,
    stratified: r.split?.stratified ?? true,
    splitSeed: r.split?.seed ?? 0,
    subset: r.subset !== undefined,
    perClass: r.subset?.perClass ?? 100,
    subsetSeed: r.subset?.seed ?? 0,
    scale: r.scale,
    l2Normalize: r.l2Normalize,
    flatten: r.flatten,
    labels: r.labels,
  }
}

const MAX_SEED = 2 ** 31 - 1

function seedError(v: number): string | undefined {
  return Number.isInteger(v) && v >= 0 && v <= MAX_SEED ? undefined : `a whole number from 0 to ${MAX_SEED}`
}

/**
 * The form as a Recipe, or the reasons it is not one (keyed by field, shown next to it). The shared zod
 * schema has the last word, so the editor cannot accept what the server would refuse.
 */
export function recipeFromForm(f: RecipeForm, ctx: { classification: boolean }): { recipe: Recipe; errors: null } | { recipe: null; errors: RecipeErrors } {
  const errors: RecipeErrors = {}
  if (f.split) {
    if (!Number.isFinite(f.trainPct) || f.trainPct <= 0 || f.trainPct > 100) errors.trainPct = 'train must be more than 0 % and at most 100 %'
    if (!Number.isFinite(f.validationPct) || f.validationPct < 0 || f.validationPct > 100) errors.validationPct = 'validation must be from 0 to 100 %'
    if (!errors.trainPct && !errors.validationPct && f.trainPct + f.validationPct > 100 + 1e-9) {
      errors.split = `train + validation is ${round((f.trainPct + f.validationPct) / 100)} %: at most 100 % (the test part is the rest)`
    }
    const s = seedError(f.splitSeed)
    if (s) errors.splitSeed = `seed: ${s}`
  }
  if (f.subset && ctx.classification) {
    if (!Number.isInteger(f.perClass) || f.perClass < 1) errors.perClass = 'rows per class: a whole number of at least 1'
    const s = seedError(f.subsetSeed)
    if (s) errors.subsetSeed = `seed: ${s}`
  }
  if (Object.keys(errors).length) return { recipe: null, errors }
  const candidate = {
    ...(f.split ? { split: { train: f.trainPct / 100, validation: f.validationPct / 100, stratified: ctx.classification && f.stratified, seed: f.splitSeed } } : {}),
    ...(f.subset && ctx.classification ? { subset: { perClass: f.perClass, seed: f.subsetSeed } } : {}),
    scale: f.scale,
    l2Normalize: f.l2Normalize,
    flatten: f.flatten,
    labels: f.labels,
  }
  const parsed = Recipe.safeParse(candidate)
  if (!parsed.success) return { recipe: null, errors: { form: parsed.error.issues.map((i) => `${i.path.join('.') || 'recipe'}: ${issueText(i)}`).join('; ') } }
  return { recipe: parsed.data, errors: null }
}

/** Whether two recipes would prepare the data the same way. */
export function sameRecipe(a: Recipe, b: Recipe): boolean {
  return JSON.stringify(normal(a)) === JSON.stringify(normal(b))
}

function normal(r: Recipe): unknown {
  return {
    subset: r.subset ? [r.subset.perClass, r.subset.seed] : null,
    split: r.split ? [round(r.split.train), round(r.split.validation), r.split.stratified, r.split.seed] : null,
    scale: r.scale,
    l2: r.l2Normalize,
    flatten: r.flatten,
    labels: r.labels,
  }
}
