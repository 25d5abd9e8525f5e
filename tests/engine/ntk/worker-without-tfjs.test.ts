import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FcArch } from '../../../shared/arch'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { fcLayers } from '../../../electron/engine/ntk/layers'
import { computeTile } from '../../../electron/engine/ntk/tile'
import { finishTile } from '../../../electron/engine/ntk/tile-finish'
import { fusedPlanOf } from '../../../electron/engine/ntk/tile-fused'
import { tempDir } from '../../helpers/tmp'

// A kernel worker thread computing fused FC tiles (ReLU family) on MLAS needs no tfjs (ntk/kernel-worker.ts,
// tile-fused.ts). A child process drives the bundled worker as the tile scheduler does (init, one tile) under
// a hook that records every CommonJS module worker threads load; the tile must be the one this thread
// computes through tfjs (computeTile), and the worker must not have loaded tfjs. Deterministic: the worker
// answers the tile itself (no race with the scheduler's own thread).
const root = fileURLToPath(new URL('../../..', import.meta.url))
const tmp = tempDir()
afterAll(() => tmp.cleanup())

const hook = path.join(tmp.dir, 'worker-trace.mjs')
writeFileSync(
  hook,
  `import Module from 'node:module'
import { isMainThread } from 'node:worker_threads'
const load = Module.prototype.load
Module.prototype.load = function (file) {
  if (!isMainThread) process.stderr.write('NTKW_WORKER_LOADED ' + file + '\\n')
  return load.call(this, file)
}
`,
)
const driver = path.join(tmp.dir, 'drive-worker.mjs')
writeFileSync(
  driver,
  `import { Worker } from 'node:worker_threads'
const [file, gemm, backend, n, d, archJson] = process.argv.slice(2)
// the provider the scheduler's thread chose, as blas/gemm.ts hands it to the workers it starts
process.env.NTKW_GEMM_PROCESS = gemm
const rows = Number(n), dim = Number(d)
const x = new Float32Array(new SharedArrayBuffer(rows * dim * 4))
for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) + 0.1 * Math.cos(i * 1.3)
const w = new Worker(file)
w.on('message', (r) => {
  if (r.type === 'ready') return w.postMessage({ type: 'tile', id: 0, row0: 0, rows, col0: 0, cols: rows })
  process.stdout.write(JSON.stringify({ ...r, ntk: r.ntk && Array.from(r.ntk), nngp: r.nngp && Array.from(r.nngp) }))
  w.postMessage({ type: 'release' })
  process.exit(0)
})
w.postMessage({ type: 'init', x: x.buffer, xRows: rows, x2: null, x2Rows: rows, d: dim, arch: JSON.parse(archJson), kernels: ['ntk', 'nngp'], backend })
`,
)

describe('a kernel worker computing fused FC tiles', () => {
  it.each([
    ['relu', { depth: 2, activation: { name: 'relu' }, bStd: 0.1 }],
    ['leaky_relu, standard parameterization, finite width', { depth: 3, activation: { name: 'leaky_relu', alpha: 0.2 }, wStd: 1.3, parameterization: 'standard', width: 64 }],
  ])('%s: loads no tfjs on MLAS, and gives the tile computeTile gives', async (_name, raw) => {
    const arch = FcArch.parse(raw)
    const info = await initBackend()
    const n = 40
    const d = 7
    const r = spawnSync(process.execPath, ['--import', hook, driver, path.join(root, 'out/node/kernel-worker.js'), info.gemm?.provider ?? 'tfjs', info.choice, String(n), String(d), JSON.stringify(arch)], { encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    const tile = JSON.parse(r.stdout) as { type: string; ntk: number[]; nngp: number[]; message?: string }
    expect(tile.type, tile.message).toBe('tile')
    const x = new Float32Array(n * d)
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) + 0.1 * Math.cos(i * 1.3)
    const block = { data: x, rows: n, d, key: 'all' }
    const here = finishTile({ row0: 0, rows: n, col0: 0, cols: n }, computeTile(fcLayers(arch), block, block, ['ntk', 'nngp'], true), arch, true)
    expect(Float32Array.from(tile.ntk)).toEqual(here.ntk)
    expect(Float32Array.from(tile.nngp)).toEqual(here.nngp)
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('NTKW_WORKER_LOADED ')).map((l) => l.slice('NTKW_WORKER_LOADED '.length))
    if (info.gemm?.provider === 'mlas' && (info.active === 'wasm' || info.active === 'cpu')) {
      expect(loaded.some((f) => f.includes('/node_modules/onnxruntime-node/')), 'the worker loaded ONNX Runtime').toBe(true)
      expect(loaded.filter((f) => f.includes('/node_modules/@tensorflow/'))).toEqual([])
    } else expect(loaded.some((f) => f.includes('/node_modules/@tensorflow/tfjs-core/'))).toBe(true)
  })
})

describe('fusedPlanOf', () => {
  it('is fcLayers(arch).fused, for every activation and parameterization', () => {
    const activations = [{ name: 'relu' }, { name: 'abs' }, { name: 'leaky_relu', alpha: 0.1 }, { name: 'abrelu', a: -0.3, b: 2 }, { name: 'erf' }, { name: 'gelu' }, { name: 'identity' }, { name: 'sin' }]
    let fused = 0
    for (const activation of activations) {
      for (const extra of [{}, { parameterization: 'standard', width: 32 }, { parameterization: 'standard' }, { bStd: 0.2, wStd: 0.9, depth: 0 }]) {
        const arch = FcArch.parse({ depth: 2, activation, ...extra })
        const expected = fcLayers(arch).fused ?? null
        expect(fusedPlanOf(arch), JSON.stringify(arch)).toEqual(expected)
        if (expected) fused++
      }
    }
    expect(fused).toBeGreaterThan(8)
  })
})
