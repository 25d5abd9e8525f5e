import type { JobKind } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { JobRunner } from '../core/job'

// One runner module per job kind, loaded on first use so the engine starts fast. The table is exhaustive at
// compile time: a kind added to the JobSpec contract does not compile until it gets an entry here, either its
// runner or `null` (in the contract but not built yet: not offered by `ntkw schema`, refused by `runnerFor`).
type Loader<K extends JobKind> = () => Promise<JobRunner<K>>
export type RunnerTable = { [K in JobKind]: Loader<K> | null }

const loaders: RunnerTable = {
  'dataset-import': async () => (await import('./kinds/dataset-import')).run,
  'backend-benchmark': async () => (await import('./kinds/backend-benchmark')).run,
  kernel: async () => (await import('./kinds/kernel')).run,
  'empirical-kernel': async () => (await import('./kinds/empirical-kernel')).run,
  train: async () => (await import('./kinds/train')).run,
  'model-import': async () => (await import('./kinds/model-import')).run,
  'model-evaluate': async () => (await import('./kinds/model-evaluate')).run,
  predict: async () => (await import('./kinds/predict')).run,
  'lab-kernel': async () => (await import('./kinds/lab-kernel')).run,
  'width-sweep': async () => (await import('./kinds/width-sweep')).run,
  'train-vs-theory': async () => (await import('./kinds/train-vs-theory')).run,
  'lab-spectrum': async () => (await import('./kinds/lab-spectrum')).run,
  distill: async () => (await import('./kinds/distill')).run,
  'distill-study': async () => (await import('./kinds/distill-study')).run,
  'self-distill': async () => (await import('./kinds/self-distill')).run,
  kip: async () => (await import('./kinds/kip')).run,
  quantize: async () => (await import('./kinds/quantize')).run,
  features: async () => (await import('./kinds/features')).run,
  'lab-efficiency': async () => (await import('./kinds/lab-efficiency')).run,
}

/** Kinds that have a runner, in contract order: the only ones offered to users. */
export function implementedKinds(): JobKind[] {
  return (Object.keys(loaders) as JobKind[]).filter((k) => loaders[k] !== null)
}

export async function runnerFor<K extends JobKind>(kind: K): Promise<JobRunner<K>> {
  const load = Object.hasOwn(loaders, kind) ? (loaders[kind] as Loader<K> | null) : null
  if (!load) {
    throw new UserError(
      'not_implemented',
      `job kind '${kind}' is not built yet in this version of NTK Workbench`,
      `Implemented kinds: ${implementedKinds().join(', ')}`,
    )
  }
  return load()
}
