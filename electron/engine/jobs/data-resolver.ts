import type { DataRef } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { readNpyMatrixHashed } from '../io/npy'
import { takeNpyAhead } from '../io/npy-ahead'
import type { DataResolver } from '../core/job'
import type { Matrix } from '../core/matrix'

type DatasetRef = Extract<DataRef, { type: 'dataset' }>
type Loaded = { matrix: Matrix; hash: string }
export type DatasetLoader = (ref: DatasetRef) => Promise<Loaded> | Loaded
/** Project datasets: `hash` answers from the hash taken at import, without reading the data. */
export interface DatasetSource {
  load: DatasetLoader
  hash(ref: DatasetRef): string
}

const NO_PROJECT_HINT = 'Pass --project FILE, or use an NPY file reference {"type":"npy","path":...}.'

/**
 * Resolves NPY file refs directly, and project dataset refs through `datasets` when a project is open. Every
 * load yields the data and its hash in one read (an NPY file is hashed from the bytes it was decoded from); a
 * later `hash` of the same ref answers from that, so nothing is read twice to be hashed.
 */
export function createDataResolver(datasets?: DatasetLoader | DatasetSource): DataResolver {
  const source: DatasetSource | undefined = typeof datasets === 'function' ? { load: datasets, hash: () => '' } : datasets
  const cheapHash = typeof datasets !== 'function'
  const hashes = new Map<string, string>()
  const key = (ref: DataRef): string => JSON.stringify(ref)

  async function loadWithHash(ref: DataRef): Promise<Loaded> {
    let loaded: Loaded
    if (ref.type === 'npy') {
      // read ahead off this thread when the caller asked for it (io/npy-ahead.ts), else read here
      const r = readNpyMatrixHashed(ref.path, await takeNpyAhead(ref.path))
      loaded = { matrix: r.matrix, hash: r.hash }
    } else {
      if (!source) throw new UserError('no_project', `dataset ${ref.datasetId} needs a project`, NO_PROJECT_HINT)
      loaded = await source.load(ref)
    }
    hashes.set(key(ref), loaded.hash)
    return loaded
  }

  return {
    loadWithHash,
    async load(ref) {
      return (await loadWithHash(ref)).matrix
    },
    async hash(ref) {
      const known = hashes.get(key(ref))
      if (known !== undefined) return known
      if (ref.type === 'dataset') {
        if (!source) throw new UserError('no_project', `dataset ${ref.datasetId} needs a project`, NO_PROJECT_HINT)
        if (cheapHash) {
          const h = source.hash(ref)
          hashes.set(key(ref), h)
          return h
        }
      }
      return (await loadWithHash(ref)).hash
    },
  }
}
