import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { readNpy, writeNpy } from '../electron/engine/io/npy'
import { gpPosterior } from '../electron/engine/ntk/gp'
import { initBackend } from '../electron/engine/runtime/backend'
import { relMaxDiff } from './compare'
import { uniformPoints } from './points'
import { QUICK, type BenchResult } from './types'

// `npm run bench -- vs-reference` (issue 22 item 6): our engine against independent numpy/scipy references
// (bench/reference/*.py, written for this), ratios taken side by side in one run, interleaved (ours,
// reference, ours, reference, ...), best of REPEATS. The references run at their best: this machine's
// OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pin an older, slower OpenBLAS kernel, so they are removed from the
// reference processes' environment only. Without python3 + numpy + scipy the mode prints a notice and
// reports nothing. ratio = reference time / our time (higher is better; the floors are stated in
// `target`).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const repoRoot = [root, path.resolve(root, '..')].find((d) => spawnSync('test', ['-f', path.join(d, 'bin', 'ntkw.js')]).status === 0) ?? root
const REF = path.join(repoRoot, 'bench', 'reference')
const REPEATS = Number(process.env.BENCH_REPEATS ?? (QUICK ? 1 : 3))
const N = Number(process.env.BENCH_REF_N ?? (QUICK ? 1000 : 4000))
const EMP_N = QUICK ? 300 : 1000
const D = 784
/** `BENCH_REF_ONLY=solve` (comma-separated: startup, kernel, solve, empirical) runs only those rows */
const ONLY = (process.env.BENCH_REF_ONLY ?? '').split(',').filter(Boolean)
const want = (row: string): boolean => ONLY.length === 0 || ONLY.includes(row)

export function referenceEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.OPENBLAS_CORETYPE
  delete env.OPENBLAS_L2_SIZE
  return env
}

export function pythonWithNumpy(): string | null {
  const r = spawnSync('python3', ['-c', 'import numpy, scipy; print(numpy.__version__, scipy.__version__)'], { encoding: 'utf8', env: referenceEnv() })
  return r.status === 0 ? r.stdout.trim() : null
}

/** wall time of a whole process in ms; rejects on a non-zero exit */
function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now()
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    p.on('error', reject)
    p.on('exit', (code) => (code === 0 ? resolve({ ms: performance.now() - t, stdout }) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`))))
  })
}

/** ours and the reference alternately, REPEATS times each; best wall time of each */
async function interleaved(ours: () => Promise<number>, ref: () => Promise<number>): Promise<{ ours: number; ref: number; oursAll: number[]; refAll: number[] }> {
  const oursAll: number[] = []
  const refAll: number[] = []
  for (let i = 0; i < REPEATS; i++) {
    oursAll.push(Math.round(await ours()))
    refAll.push(Math.round(await ref()))
  }
  return { ours: Math.min(...oursAll), ref: Math.min(...refAll), oursAll, refAll }
}

export async function run(): Promise<BenchResult[]> {
  const versions = pythonWithNumpy()
  if (!versions) {
    process.stderr.write('vs-reference: skipped: python3 with numpy and scipy is not available (the references are numpy/scipy scripts)\n')
    return []
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-vsref-'))
  const ntkw = path.join(repoRoot, 'bin', 'ntkw.js')
  const node = process.execPath
  const refEnv = referenceEnv()
  const meta = { numpyScipy: versions, repeats: REPEATS, how: 'whole processes unless noted, interleaved, best of repeats', openblasEnvUnsetForReference: true }
  const results: BenchResult[] = []
  try {
    // start-up: ntkw --version against node -e 0
    if (want('startup')) {
      const start = await interleaved(
        async () => (await timeProcess(node, [ntkw, '--version'], process.env)).ms,
        async () => (await timeProcess(node, ['-e', '0'], process.env)).ms,
      )
      results.push({ name: 'ntkw --version vs node -e 0', value: start.ours, unit: 'ms', baseline: { name: 'node -e 0', value: start.ref }, ratio: start.ref / start.ours, target: 'ratio ≥ 1/3 (within 3× of node -e 0)', meta: { ...meta, oursAll: start.oursAll, refAll: start.refAll } })
    }

    // analytic NTK, depth-3 ReLU, whole process: ntkw kernel vs numpy float64
    const x = path.join(dir, 'x.npy')
    writeNpy(x, uniformPoints(N, D, 1), [N, D])
    const kOurs = path.join(dir, 'k-ours.npy')
    const kRef = path.join(dir, 'k-ref.npy')
    if (want('kernel')) {
      const kernel = await interleaved(
        async () => (await timeProcess(node, [ntkw, 'kernel', '--x', x, '--depth', '3', '--activation', 'relu', '--kind', 'ntk', '--out', kOurs, '--quiet'], process.env)).ms,
        async () => (await timeProcess('python3', [path.join(REF, 'ntk_fc.py'), x, kRef, '3'], refEnv)).ms,
      )
      const agree = relMaxDiff(readNpy(kOurs).data as Float32Array, readNpy(kRef).data as Float32Array)
      results.push({ name: `ntkw kernel NTK depth-3 ReLU n=${N} d=${D} vs numpy float64`, value: kernel.ours, unit: 'ms', baseline: { name: 'numpy float64 (bench/reference/ntk_fc.py)', value: kernel.ref }, ratio: kernel.ref / kernel.ours, target: 'ratio ≥ 1.25 (ours ≤ 0.8× numpy)', meta: { ...meta, oursAll: kernel.oursAll, refAll: kernel.refAll, maxAbsDiffOverMax: agree } })
    } else if (want('solve')) await timeProcess('python3', [path.join(REF, 'ntk_fc.py'), x, kRef, '3'], refEnv)

    // KRR solve, in-process on both sides: our float32 Cholesky (worker threads) + float64 refinement vs scipy
    // cho_solve float64; our first repeat includes starting the worker threads (a `predict` finds them warm)
    if (want('solve')) {
      await initBackend()
      const load = loadavg()[0]
      const kData = readNpy(kRef).data as Float32Array
      const y = Float64Array.from({ length: N * 10 }, (_, i) => Math.sin(i * 0.37))
      const yPath = path.join(dir, 'y.npy')
      writeNpy(yPath, y, [N, 10])
      const solve = await interleaved(
        async () => {
          const t = performance.now()
          await gpPosterior({ kTrain: kData, n: N, kCross: new Float32Array(0), m: 0, y, k: 10 }, { diagReg: 1e-4 })
          return performance.now() - t
        },
        async () => JSON.parse((await timeProcess('python3', [path.join(REF, 'cho_solve.py'), kRef, yPath, '1e-4', '1'], refEnv)).stdout).seconds * 1000,
      )
      results.push({ name: `KRR solve n=${N}, 10 targets, float64-accurate (in-process)`, value: solve.ours, unit: 'ms', baseline: { name: 'scipy cho_factor + cho_solve float64', value: solve.ref }, ratio: solve.ref / solve.ours, target: 'ratio ≥ 0.5 (ours ≤ 2× scipy)', meta: { ...meta, how: 'in-process factor + solve, interleaved, best of repeats', oursAll: solve.oursAll, refAll: solve.refAll, loadAverage1m: load, loadAverageAfter1m: loadavg()[0] } })
    }

    // empirical NTK 3 × 1024 ReLU, whole process
    if (want('empirical')) {
      const xe = path.join(dir, 'xe.npy')
      writeNpy(xe, uniformPoints(EMP_N, D, 2), [EMP_N, D])
      const emp = await interleaved(
        async () => (await timeProcess(node, [ntkw, 'empirical', '--x', xe, '--depth', '3', '--width', '1024', '--activation', 'relu', '--out', path.join(dir, 'e-ours.npy'), '--quiet'], process.env)).ms,
        async () => (await timeProcess('python3', [path.join(REF, 'empirical_layerwise.py'), xe, path.join(dir, 'e-ref.npy'), '3', '1024', '0'], refEnv)).ms,
      )
      results.push({ name: `ntkw empirical 3×1024 ReLU n=${EMP_N} vs numpy layerwise`, value: emp.ours, unit: 'ms', baseline: { name: 'numpy float32 layerwise (bench/reference/empirical_layerwise.py)', value: emp.ref }, ratio: emp.ref / emp.ours, target: 'ratio ≥ 1 (ours ≤ 1.0× numpy)', meta: { ...meta, oursAll: emp.oursAll, refAll: emp.refAll } })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  for (const r of results) process.stderr.write(`vs-reference: ${r.name}: ${r.value} ms vs ${r.baseline!.value.toFixed(0)} ms, ratio ${r.ratio!.toFixed(2)} (${r.target})\n`)
  return results
}
