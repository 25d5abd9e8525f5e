import { z } from 'zod'
import { IMPORT_DEFAULTS } from './import-defaults'

// Datasets stored in a project: how a file is read (ImportOptions), what was stored (DatasetSchema, kept
// in datasets.schema_json), and how every job sees it (Recipe, kept in datasets.recipe_json).

export const DATA_FORMATS = ['csv', 'tsv', 'npy', 'npz', 'idx', 'images', 'json', 'jsonl'] as const
export const DataFormat = z.enum(DATA_FORMATS)
export type DataFormat = z.infer<typeof DataFormat>

export const ImportOptions = z
  .object({
    /** dataset name shown in the app (default: the file name) */
    name: z.string().min(1).max(200).optional(),
    /** label column for tabular data: a name or 0-based index; 'none' = no labels. Default: auto-suggest */
    label: z.union([z.string().min(1), z.number().int().min(0)]).optional(),
    /** classification or regression; auto = text or few integer labels are classes */
    task: z.enum(['auto', 'classification', 'regression']).default(IMPORT_DEFAULTS.task),
    /** CSV: field delimiter (default: sniffed among , \t ; |) */
    delimiter: z.string().length(1).optional(),
    /** CSV: whether the first row names the columns (default: sniffed) */
    header: z.boolean().optional(),
    /** tabular: how categorical feature columns become numbers */
    categorical: z.enum(['one-hot', 'index']).default(IMPORT_DEFAULTS.categorical),
    /** tabular: columns forced to be categorical, and columns left out */
    categoricalColumns: z.array(z.string()).default([]),
    drop: z.array(z.string()).default([]),
    /** tabular: what to do with rows that miss values: refuse (and say where), drop those rows, impute the column mean */
    missing: z.enum(['error', 'drop', 'mean']).default(IMPORT_DEFAULTS.missing),
    /** NPZ / JSON {x, y}: which arrays are the features and targets (default: x/y-like names) */
    xKey: z.string().min(1).optional(),
    yKey: z.string().min(1).optional(),
    /** image folders: output size [height, width] (default: the images' own size, which must agree) */
    size: z.tuple([z.number().int().min(1).max(1024), z.number().int().min(1).max(1024)]).optional(),
    color: z.enum(['auto', 'grayscale', 'rgb']).default(IMPORT_DEFAULTS.color),
    /** refuse inputs needing more memory than this many bytes (default: half the machine's memory, ≤ 8 GiB) */
    maxBytes: z.number().int().positive().optional(),
  })
  .strict()
export type ImportOptions = z.infer<typeof ImportOptions>
export type ImportOptionsInput = z.input<typeof ImportOptions>

export const Split = z
  .object({
    /** fractions of the rows; test is the rest */
    train: z.number().min(0).max(1),
    validation: z.number().min(0).max(1).default(0),
    /** keep class proportions in every part (classification only) */
    stratified: z.boolean().default(true),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  })
  .refine((s) => s.train + s.validation <= 1 + 1e-9, { message: 'train + validation must be at most 1' })
export type Split = z.infer<typeof Split>

export const Recipe = z
  .object({
    /** seeded subset of N rows per class, taken before the split */
    subset: z.object({ perClass: z.number().int().min(1), seed: z.number().int().min(0).max(2 ** 31 - 1).default(0) }).optional(),
    split: Split.optional(),
    /** per-feature scaling, fitted on the training part (all rows when there is no split) */
    scale: z.enum(['none', 'standardize', 'min-max']).default('none'),
    /** scale each row to unit L2 norm (inputs on the unit sphere, as NTK theory assumes) */
    l2Normalize: z.boolean().default(false),
    /** images: flatten height×width×channels channels-last (TF) or channels-first (PyTorch) */
    flatten: z.enum(['hwc', 'chw']).default('hwc'),
    /** classification targets as one-hot rows, or the class index (or raw value) as a regression target */
    labels: z.enum(['one-hot', 'regression']).default('one-hot'),
  })
  .strict()
export type Recipe = z.infer<typeof Recipe>
export type RecipeInput = z.input<typeof Recipe>

export const ColumnStats = z.object({
  name: z.string(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  std: z.number(),
  /** values missing in the source (before drop / impute) */
  missing: z.number().int(),
})
export type ColumnStats = z.infer<typeof ColumnStats>

export const SourceColumn = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'categorical']),
  role: z.enum(['feature', 'label', 'dropped']),
  missing: z.number().int(),
  categories: z.array(z.string()).optional(),
})
export type SourceColumn = z.infer<typeof SourceColumn>

export const StoredField = z.object({
  /** storage dtype of the chunks (little-endian): value = stored × scale */
  dtype: z.enum(['f4', 'u1', 'i4']),
  shape: z.array(z.number().int().min(0)),
  scale: z.number().default(1),
  chunkBytes: z.number().int().positive(),
  chunks: z.number().int().min(0),
})
export type StoredField = z.infer<typeof StoredField>

export const DatasetSchema = z.object({
  version: z.literal(1),
  rows: z.number().int().min(0),
  x: StoredField,
  /** targets: class indices (i4, [N]) or regression values (f4, [N] or [N, K]); null = unlabelled */
  y: StoredField.nullable(),
  task: z.enum(['classification', 'regression', 'none']),
  classNames: z.array(z.string()).optional(),
  classCounts: z.array(z.number().int()).optional(),
  /** names of the flattened feature columns (tabular data) */
  featureNames: z.array(z.string()).optional(),
  /** per feature column (omitted above 4096 columns); `summary` always covers all values */
  columns: z.array(ColumnStats).optional(),
  summary: z.object({ min: z.number(), max: z.number(), mean: z.number(), std: z.number() }),
  image: z.object({ height: z.number().int(), width: z.number().int(), channels: z.number().int() }).optional(),
  sourceColumns: z.array(SourceColumn).optional(),
  labelColumn: z.string().optional(),
  /** what the importer noticed and did (dropped rows, imputed values, converted dtypes) */
  notes: z.array(z.string()),
  bytes: z.number().int(),
})
export type DatasetSchema = z.infer<typeof DatasetSchema>

export const DatasetSummary = z.object({
  id: z.string(),
  name: z.string(),
  source: z.string(),
  format: z.string(),
  hash: z.string(),
  createdAt: z.number(),
  rows: z.number().int(),
  xShape: z.array(z.number().int()),
  task: z.enum(['classification', 'regression', 'none']),
  classes: z.number().int(),
  bytes: z.number().int(),
  recipe: Recipe,
})
export type DatasetSummary = z.infer<typeof DatasetSummary>

export const DatasetPreview = z.object({
  summary: DatasetSummary,
  schema: DatasetSchema,
  offset: z.number().int(),
  /** feature values of rows [offset, offset + rows.length) as stored (before the recipe) */
  rows: z.array(z.array(z.number())),
  /** class name or regression values of those rows */
  labels: z.array(z.union([z.string(), z.array(z.number())])).nullable(),
  /** rows per split part under the current recipe */
  splitCounts: z.object({ all: z.number().int(), train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
})
export type DatasetPreview = z.infer<typeof DatasetPreview>
