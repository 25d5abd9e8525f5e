import type { BenchModule, BenchResult } from './types'

// `npm run bench [-- NAME...]`: runs every benchmark (or those named; `vs-reference` only when named: numpy
// and scipy references, issue 22) and prints one JSON object per line:
// {"bench": file, ...BenchResult}. Progress goes to stderr so stdout stays machine-readable.
const modules: Record<string, () => Promise<BenchModule>> = {
  quantize: () => import('./quantize'),
  backend: () => import('./backend'),
  webgpu: () => import('./webgpu'),
  'ntk-analytic': () => import('./ntk-analytic'),
  'ntk-empirical': () => import('./ntk-empirical'),
  data: () => import('./data'),
  linalg: () => import('./linalg'),
  blas: () => import('./blas'),
  distill: () => import('./distill'),
  'efficient-ntk': () => import('./efficient-ntk'),
  kip: () => import('./kip'),
  models: () => import('./models'),
  onnx: () => import('./onnx'),
  'vs-reference': () => import('./vs-reference'),
  'ntk-conv': () => import('./ntk-conv'),
  cluster: () => import('./cluster'),
}

/**
 * Where `auto` picks webgpu (a machine with a GPU), the capability benchmarks run on its CPU companion:
 * their engine paths read results synchronously, which WebGPU cannot do in Node (`bench webgpu` compares
 * the two).
 */
async function onCpuUnlessWebgpuBench(): Promise<void> {
  const { enterCpuCompanion, initBackend } = await import('../electron/engine/runtime/backend')
  if ((await initBackend('auto')).choice !== 'webgpu') return
  const c = await enterCpuCompanion()
  process.stderr.write(`  auto chose webgpu: this benchmark runs on ${c.backend}\n`)
}
// Opt-in only (named on the command line): spawns numpy/scipy reference processes for minutes.
const OPT_IN = new Set(['vs-reference'])

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'))
let failed = 0
for (const [name, load] of Object.entries(modules)) {
  if (only.length > 0 ? !only.includes(name) : OPT_IN.has(name)) continue
  process.stderr.write(`bench ${name} ...\n`)
  try {
    if (name !== 'webgpu') await onCpuUnlessWebgpuBench()
    const results: BenchResult[] = await (await load()).run()
    for (const r of results) process.stdout.write(JSON.stringify({ bench: name, ...r }) + '\n')
  } catch (e) {
    failed++
    process.stdout.write(JSON.stringify({ bench: name, error: (e as Error).message }) + '\n')
  }
}
process.exit(failed > 0 ? 1 : 0)
