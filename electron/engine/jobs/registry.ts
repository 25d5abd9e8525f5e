import type { JobKind } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import type { JobRunner } from '../core/job'

// One runner module per job kind, loaded on first use so the engine starts fast.
type Loader = () => Promise<JobRunner<JobKind>>
const loaders: Partial<Record<JobKind, Loader>> = {
  'dataset-import': async () => (await import('./kinds/dataset-import')).run as JobRunner<JobKind>,
  'backend-benchmark': async () => (await import('./kinds/backend-benchmark')).run as JobRunner<JobKind>,
  kernel: async () => (await import('./kinds/kernel')).run as JobRunner<JobKind>,
  'empirical-kernel': async () => (await import('./kinds/empirical-kernel')).run as JobRunner<JobKind>,
  train: async () => (await import('./kinds/train')).run as JobRunner<JobKind>,
  'model-import': async () => (await import('./kinds/model-import')).run as JobRunner<JobKind>,
  'model-evaluate': async () => (await import('./kinds/model-evaluate')).run as JobRunner<JobKind>,
  predict: async () => (await import('./kinds/predict')).run as JobRunner<JobKind>,
  'lab-kernel': async () => (await import('./kinds/lab-kernel')).run as JobRunner<JobKind>,
  'width-sweep': async () => (await import('./kinds/width-sweep')).run as JobRunner<JobKind>,
  'train-vs-theory': async () => (await import('./kinds/train-vs-theory')).run as JobRunner<JobKind>,
  'lab-spectrum': async () => (await import('./kinds/lab-spectrum')).run as JobRunner<JobKind>,
  quantize: async () => (await import('./kinds/quantize')).run as JobRunner<JobKind>,
}

export function registerRunner(kind: JobKind, loader: Loader): void {
  loaders[kind] = loader
}

export function implementedKinds(): JobKind[] {
  return Object.keys(loaders) as JobKind[]
}

export async function runnerFor(kind: JobKind): Promise<JobRunner<JobKind>> {
  const load = loaders[kind]
  if (!load) {
    throw new UserError(
      'not_implemented',
      `job kind '${kind}' is not built yet in this version of NTK Workbench`,
      `Implemented kinds: ${implementedKinds().join(', ')}`,
    )
  }
  return load()
}
