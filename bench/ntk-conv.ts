import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { writeNpy } from '../electron/engine/io/npy'
import { findRoot, runCliMeasured } from './cli-process'
import { QUICK, type BenchResult } from './types'

// Convolutional kernels (issue 19): the whole `ntkw kernel --arch` process for a 3-layer same-padded ReLU
// CNN + flatten (σ_w = √2, σ_b = 0.1) on n = 400 MNIST digits (28×28), against neural-tangents' jit-compiled
// kernel_fn in float32 on the same machine in the same run (bench/reference/nt_conv_kernel.py; skipped with a
// notice when python3 cannot import jax and neural_tangents — set NEURAL_TANGENTS_SRC to a source checkout).
// The reference is timed in-process at its best: after compilation, the faster of two calls, with OpenBLAS at
// its defaults. Second: a global-average-pooling CNTK on 8×8 images (n = 500; BENCH_BIG=1: n = 2 000, about
// half an hour of CPU on these machines), streamed, its peak RSS against the bound `ntkw kernel --help` states.

const N = QUICK ? 200 : 400
const GAP_N = Number(process.env.BENCH_BIG === '1' ? 2000 : QUICK ? 200 : 500)
const W = Math.SQRT2
const B = 0.1
const HELP_BOUND_MB = 200

/** The first n digits of the bundled MNIST test set, standardised, as (n, 28, 28, 1). */
function mnist(root: string, n: number): Float32Array {
  const raw = gunzipSync(readFileSync(path.join(root, 'resources', 'examples', 'mnist', 't10k-images-idx3-ubyte.gz')))
  const x = new Float32Array(n * 784)
  let s = 0
  let ss = 0
  for (let i = 0; i < x.length; i++) {
    const v = raw[16 + i]! / 255
    x[i] = v
    s += v
    ss += v * v
  }
  const mean = s / x.length
  const sd = Math.sqrt(ss / x.length - mean * mean)
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) / sd
  return x
}

function neuralTangents(xFile: string): { steadyS: number; firstS: number; jax: string } | { skipped: string } {
  const env = { ...process.env }
  delete env.OPENBLAS_CORETYPE
  delete env.OPENBLAS_L2_SIZE
  if (process.env.NEURAL_TANGENTS_SRC) env.PYTHONPATH = [process.env.NEURAL_TANGENTS_SRC, env.PYTHONPATH].filter(Boolean).join(path.delimiter)
  const script = path.join(findRoot(), 'bench', 'reference', 'nt_conv_kernel.py')
  const r = spawnSync('python3', [script, xFile, String(W), String(B)], { env, encoding: 'utf8', timeout: 30 * 60_000 })
  if (r.error || r.status !== 0) return { skipped: `neural-tangents reference not run: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-1)[0]}` }
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]!) as { steadyS: number; firstS: number; jax: string }
}

export async function run(): Promise<BenchResult[]> {
  const root = findRoot()
  const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-bench-conv-'))
  try {
    const results: BenchResult[] = []
    writeNpy(path.join(dir, 'x.npy'), mnist(root, N), [N, 28, 28, 1])
    const conv = { type: 'conv2d', filters: 1, kernel: 3, padding: 'same', activation: 'relu' }
    writeFileSync(path.join(dir, 'cnn.json'), JSON.stringify({ layers: [conv, conv, conv, { type: 'flatten' }] }))
    const load0 = loadavg()[0]
    const ours = await runCliMeasured(['kernel', '--x', 'x.npy', '--arch', 'cnn.json', '--w-std', String(W), '--b-std', String(B), '--out', 'k.npy', '--quiet'], dir)
    const nt = neuralTangents(path.join(dir, 'x.npy'))
    const meta = { n: N, image: '28×28×1', arch: '3 × (conv 3×3 same → relu), flatten, dense', cores: availableParallelism(), loadavg: [load0, loadavg()[0]], peakRssMb: ours.peakRssMb }
    if ('skipped' in nt) {
      process.stderr.write(`${nt.skipped}\n`)
      results.push({ name: `ntkw kernel --arch CNN n=${N} (whole process)`, value: ours.seconds, unit: 's', meta: { ...meta, reference: nt.skipped } })
    } else {
      results.push({
        name: `ntkw kernel --arch CNN n=${N} (whole process) vs neural-tangents jit kernel_fn f32`,
        value: ours.seconds,
        unit: 's',
        baseline: { name: 'neural-tangents kernel_fn (jit, float32, after compile)', value: nt.steadyS },
        ratio: ours.seconds / nt.steadyS,
        target: '≤ 0.5 (our time / reference time)',
        meta: { ...meta, ratioMeaning: 'ours / reference (lower is better)', ntFirstCallS: nt.firstS, jax: nt.jax },
      })
    }

    // GAP CNTK on 8×8: the full 64×64 covariance per pair up to the pooling, streamed in tiles.
    const g = new Float32Array(GAP_N * 64)
    let a = 19
    for (let i = 0; i < g.length; i++) {
      a = (Math.imul(a, 1664525) + 1013904223) >>> 0
      g[i] = a / 4294967296 - 0.5
    }
    writeNpy(path.join(dir, 'g.npy'), g, [GAP_N, 8, 8, 1])
    const gc = { type: 'conv2d', filters: 1, kernel: 3, padding: 'same', activation: 'relu' }
    writeFileSync(path.join(dir, 'gap.json'), JSON.stringify({ layers: [gc, gc, { type: 'globalavgpool' }] }))
    const gap = await runCliMeasured(['kernel', '--x', 'g.npy', '--arch', 'gap.json', '--out', 'kg.npy', '--quiet'], dir)
    results.push({
      name: `ntkw kernel --arch CNTK-GAP 8×8 n=${GAP_N} peak RSS`,
      value: gap.peakRssMb,
      unit: 'MiB',
      target: `≤ ${HELP_BOUND_MB} MiB (ntkw kernel --help)`,
      meta: { seconds: gap.seconds, withinHelpBound: gap.peakRssMb <= HELP_BOUND_MB, kernelBytes: GAP_N * GAP_N * 4 },
    })
    return results
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
