import type { CliCommand } from '../command'

// Plain copies of vocabularies defined in shared/dataset.ts and engine/data/examples.ts (zod schemas, the
// engine): descriptors load at every start and must stay light. tests/cli/lazy-start.test.ts checks that
// they equal their definitions.
export const DATA_VOCAB = {
  formats: ['csv', 'tsv', 'npy', 'npz', 'idx', 'images', 'json', 'jsonl'],
  task: ['auto', 'classification', 'regression'],
  categorical: ['one-hot', 'index'],
  missing: ['error', 'drop', 'mean'],
  color: ['auto', 'grayscale', 'rgb'],
  scale: ['none', 'standardize', 'min-max'],
  labels: ['one-hot', 'regression'],
  examples: {
    mnist: '10 000 real MNIST digits (28×28 grayscale, 10 classes)',
    iris: "Fisher's Iris (150 flowers, 4 measurements, 3 species)",
    moons: 'two moons, 2-D, 400 points, noise 0.1 (seed 0)',
    spirals: 'two spirals, 2-D, 400 points, noise 0.1 (seed 0)',
  } as Record<string, string>,
} as const

export const dataCommand: CliCommand = {
  name: 'data',
  summary: 'inspect and import datasets (CSV/TSV, NPY, NPZ, IDX, image folders, JSON)',
  usage: `Usage: ntkw data inspect FILE [--json] [import options]
       ntkw data import FILE --project P.ntkw [import options] [recipe options]
       ntkw data import FILE --out DIR [import options]
       ntkw data list --project P.ntkw [--json]
       ntkw data examples

FILE is a file, an image folder (one subfolder per class), or a bundled example:
${Object.entries(DATA_VOCAB.examples).map(([k, d]) => `  example:${k.padEnd(8)} ${d}`).join('\n')}

inspect   prints the detected format, shape, dtype, classes and any problem (nothing is written)
import    stores the dataset in the project (created if missing), all or nothing; with --out instead,
          writes x.npy (float32 [N, D]), y.npy and schema.json into DIR

Import options:
  --format F            auto (default) | ${DATA_VOCAB.formats.join(' | ')}
  --name NAME           dataset name (default: the file name)
  --label COL           label column (name or 0-based index; 'none' = no labels); default: a column named
                        label/target/class/y, else the last column
  --task T              auto (default) | classification | regression
  --delimiter D         CSV delimiter (default: sniffed; 'tab' for tabs)
  --header yes|no       whether the first CSV row names the columns (default: sniffed)
  --no-header           the same as --header no
  --categorical E       one-hot (default) | index: how text feature columns become numbers
  --categorical-column COL   treat COL as categories (repeatable)
  --drop COL            leave COL out (repeatable)
  --missing M           error (default) | drop | mean: rows with missing values
  --x-key NAME, --y-key NAME  NPZ / JSON arrays holding features and labels
  --size H[,W]          image folder: resize every image to H×W
  --color C             auto (default) | grayscale | rgb
  --max-bytes N         refuse inputs needing more memory than N bytes
Recipe options (stored with the dataset; every job applies them). Without them a dataset gets the
default recipe, printed after the import: split 0.7,0.15 (test 15 %, stratified, seed 0); scale
standardize for tabular data, none for images already in [0, 1] (min-max otherwise).
  --split TRAIN[,VAL]   seeded split fractions, the rest is test (stratified by class unless --no-stratify)
  --subset N            N rows per class (seeded), before the split
  --seed S              seed of the split and subset (default 0)
  --scale S             none | standardize | min-max (default: see above)
  --l2                  scale rows to unit L2 norm
  --labels L            one-hot (default) | regression
Other:
  --json                machine-readable output (inspect, list)
  --quiet               no progress output
`,
  options: {
    project: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    format: { type: 'string' },
    name: { type: 'string' },
    label: { type: 'string' },
    task: { type: 'string' },
    delimiter: { type: 'string' },
    header: { type: 'string' },
    'no-header': { type: 'boolean' },
    categorical: { type: 'string' },
    'categorical-column': { type: 'string', multiple: true },
    drop: { type: 'string', multiple: true },
    missing: { type: 'string' },
    'x-key': { type: 'string' },
    'y-key': { type: 'string' },
    size: { type: 'string' },
    color: { type: 'string' },
    'max-bytes': { type: 'string' },
    split: { type: 'string' },
    subset: { type: 'string' },
    seed: { type: 'string' },
    scale: { type: 'string' },
    l2: { type: 'boolean' },
    labels: { type: 'string' },
    'no-stratify': { type: 'boolean' },
  },
  choices: {
    format: ['auto', ...DATA_VOCAB.formats],
    task: DATA_VOCAB.task,
    categorical: DATA_VOCAB.categorical,
    missing: DATA_VOCAB.missing,
    color: DATA_VOCAB.color,
    scale: DATA_VOCAB.scale,
    labels: DATA_VOCAB.labels,
  },
  positionals: true,
  load: () => import('../actions/data'),
}
