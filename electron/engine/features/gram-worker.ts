import { parentPort } from 'node:worker_threads'
import { errorInfo } from '../../../shared/errors'
import { serveInOrder } from '../core/threads'
import { initBackend } from '../runtime/backend'
import { addClaimedTiles, gramTiles, type GramBlockMessage, type GramInitMessage, type GramReply } from './gram-stream'

// The second thread of ΦᵀΦ (gram-stream.ts): its own backend and one-thread GEMM, G and each Φ_bᵀ block in
// shared memory, bands claimed from the block's shared counter.
const port = parentPort
if (!port) throw new Error('gram-worker.ts must run in a worker thread')

let setup: { g: Float32Array; m: number; tiles: [number, number][] } | null = null

async function handle(msg: GramInitMessage | GramBlockMessage): Promise<void> {
  try {
    if (msg.type === 'init') {
      await initBackend(msg.backend)
      setup = { g: new Float32Array(msg.g), m: msg.m, tiles: gramTiles(msg.m, msg.tile) }
      return
    }
    if (!setup) throw new Error('block before init')
    const tiles = addClaimedTiles(setup.g, setup.m, setup.tiles, new Float32Array(msg.phiT), msg.rows, new Int32Array(msg.next))
    port!.postMessage({ type: 'done', tiles } satisfies GramReply)
  } catch (e) {
    port!.postMessage({ type: 'error', message: errorInfo(e).message } satisfies GramReply)
  }
}

// one message at a time, in order: a block waits for the backend to be ready; ended between bands, never
// inside one's GEMM (core/threads.ts)
serveInOrder<GramInitMessage | GramBlockMessage>(port, handle)
