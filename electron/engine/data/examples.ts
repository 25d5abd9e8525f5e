import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Database } from 'better-sqlite3'
import type { DatasetSummary, RecipeInput } from '../../../shared/dataset'
import { UserError } from '../../../shared/errors'
import { importDefaults } from '../../../shared/import-defaults'
import { twoMoons, twoSpirals } from './generators'
import { prepareDataset } from './prepare'
import type { ParsedDataset, ReadContext } from './types'

// Bundled examples, addressed as 'example:NAME' wherever a file path is accepted.
export const EXAMPLES = {
  mnist: '10 000 real MNIST digits (28×28 grayscale, 10 classes)',
  iris: "Fisher's Iris (150 flowers, 4 measurements, 3 species)",
  moons: 'two moons, 2-D, 400 points, noise 0.1 (seed 0)',
  spirals: 'two spirals, 2-D, 400 points, noise 0.1 (seed 0)',
} as const
export type ExampleName = keyof typeof EXAMPLES

export function isExample(path: string): boolean {
  return path.startsWith('example:')
}

/** resources/examples: $NTKW_RESOURCES, Electron's resourcesPath, or found above this module (source or bundle). */
export function examplesDir(): string {
  const candidates: string[] = []
  if (process.env.NTKW_RESOURCES) candidates.push(join(process.env.NTKW_RESOURCES, 'examples'))
  const rp = (process as { resourcesPath?: string }).resourcesPath
  if (rp) candidates.push(join(rp, 'examples'), join(rp, 'resources/examples'))
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources/examples'))
    dir = resolve(dir, '..')
  }
  const found = candidates.find((c) => existsSync(join(c, 'iris.csv')))
  if (!found) throw new UserError('no_examples', 'the bundled example datasets were not found', 'Set NTKW_RESOURCES to the resources folder of the installation.')
  return found
}

function ctxFor(name: string): ReadContext {
  return { name, options: importDefaults(), budget: 1 << 30, progress: () => {}, yield: () => Promise.resolve() }
}

export async function exampleDataset(path: string): Promise<ParsedDataset> {
  const name = path.slice('example:'.length)
  switch (name) {
    case 'mnist': {
      const { readIdxFile } = await import('./readers/idx')
      return { ...(await readIdxFile(join(examplesDir(), 'mnist/t10k-images-idx3-ubyte.gz'), ctxFor('mnist'))) }
    }
    case 'iris':
      return (await import('./readers/csv')).readCsv(join(examplesDir(), 'iris.csv'), ctxFor('iris.csv'), false)
    case 'moons':
    case 'spirals': {
      const p = name === 'moons' ? twoMoons(400, 0.1, 0) : twoSpirals(400, 0.1, 0)
      return { format: 'npy', x: p.x, xShape: [p.y.length, 2], y: { kind: 'classes', indices: p.y, names: ['0', '1'] }, featureNames: ['x1', 'x2'], notes: [EXAMPLES[name]] }
    }
    default:
      throw new UserError('no_such_example', `no example dataset '${name}'`, `Examples: ${Object.keys(EXAMPLES).map((e) => `example:${e}`).join(', ')}.`)
  }
}

const EXAMPLE_RECIPES: Record<ExampleName, RecipeInput> = {
  // Standardised features keep Σ⁰ = x·x'/d near 1 (docs/math.md §1): the regime where finite networks of
  // moderate width already track the NTK (unit-norm rows would give q = 1/d and far-from-lazy training).
  mnist: { scale: 'standardize', split: { train: 0.8, validation: 0.1, seed: 0 } },
  iris: { scale: 'standardize', split: { train: 0.7, validation: 0.15, seed: 0 } },
  moons: { scale: 'standardize', split: { train: 0.8, validation: 0, seed: 0 } },
  spirals: { scale: 'standardize', split: { train: 0.8, validation: 0, seed: 0 } },
}

/** Fills a (new) project with the bundled examples, each with a sensible starting recipe. */
export async function createExampleProject(db: Database): Promise<DatasetSummary[]> {
  const { saveDataset } = await import('./dataset-store')
  const out: DatasetSummary[] = []
  for (const name of Object.keys(EXAMPLES) as ExampleName[]) {
    const parsed = await exampleDataset(`example:${name}`)
    const prepared = prepareDataset(parsed, importDefaults(), name)
    out.push(saveDataset(db, prepared, { name, source: `example:${name}`, recipe: EXAMPLE_RECIPES[name] }))
  }
  return out
}
