import * as tf from '@tensorflow/tfjs-core'
import { createRequire } from 'node:module'
import path from 'node:path'
import util from 'node:util'
import type { BackendAttempt, BackendChoice, BackendInfo, BackendName } from '../../../shared/backend'
import { BACKEND_ORDER, type GpuAdapter } from '../../../shared/backend'
import { initGemm } from '../blas/gemm'
import { AdapterFailure, prepareWebgpu, SoftwareAdapterError, webgpuLost } from './webgpu'
import { backendInfo, notInstalledReason, PACKAGES, setBackendInfo } from './backend-plan'

export { backendInfo }

// Resolves the tfjs backend: tfjs-node-gpu → tfjs-node → webgpu → wasm → cpu, or the user's choice first.
// Native bindings are optionalDependencies (their installers download libtensorflow), and a WebGPU
// adapter may be missing or software-only, so each attempt records why it failed, for `ntkw info` and
// Settings. The webgpu packages are imported only when webgpu is tried (runtime/webgpu.ts).

const require = createRequire(import.meta.url)

function explain(name: BackendName, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  if (name === 'webgpu') return msg.split('\n')[0] ?? msg
  if (/Cannot find (module|package)/.test(msg) && msg.includes(PACKAGES[name])) {
    return notInstalledReason(name)
  }
  if (/tfjs_binding|libtensorflow|\.node/.test(msg)) return `${PACKAGES[name]} is installed but its native library failed to load: ${msg.split('\n')[0]}`
  return msg.split('\n')[0] ?? msg
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<void> {
  // tfjs-node 4.22 calls util.isNullOrUndefined, removed in Node 23 (Electron ≥ 40 ships such a Node).
  const u = util as unknown as Record<string, unknown>
  if (typeof u.isNullOrUndefined !== 'function') u.isNullOrUndefined = (v: unknown) => v === null || v === undefined
  require(PACKAGES[name])
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs refused to initialise the tensorflow backend')
}

async function tryWasm(): Promise<void> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm')
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep
  wasm.setWasmPaths(dist)
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs refused to initialise the wasm backend')
}

/**
 * WebGPU: under `auto` only a hardware adapter; chosen explicitly, any adapter. A tiny matmul read back
 * proves the device computes before jobs are sent to it.
 */
async function tryWebgpu(explicit: boolean): Promise<GpuAdapter> {
  const adapter = await prepareWebgpu(explicit)
  if (!(await tf.setBackend('webgpu'))) throw new AdapterFailure('tfjs refused to initialise the webgpu backend', adapter)
  const probe = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])))
  try {
    const got = Array.from(await probe.data())
    if (got.join() !== '19,22,43,50') throw new AdapterFailure(`the WebGPU device computed a wrong 2×2 product (${got.join(', ')})`, adapter)
  } finally {
    probe.dispose()
  }
  return adapter
}

async function tryCpu(): Promise<void> {
  require('@tensorflow/tfjs-backend-cpu')
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs refused to initialise the cpu backend')
}

async function attempt(name: BackendName, explicit: boolean): Promise<GpuAdapter | void> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') return tryNative(name)
  if (name === 'webgpu') return tryWebgpu(explicit)
  if (name === 'wasm') return tryWasm()
  return tryCpu()
}

function adapterOf(e: unknown): GpuAdapter | undefined {
  return e instanceof SoftwareAdapterError || e instanceof AdapterFailure ? e.adapter : undefined
}

/**
 * Initialises tfjs once per process (or again with another choice) and reports what was tried.
 * Without an argument it keeps whatever backend this process already chose (the user's `--backend` or
 * settings choice), and only picks one automatically when none was chosen yet.
 */
export async function initBackend(requested?: BackendChoice): Promise<BackendInfo> {
  // a lost WebGPU device is not kept: resolve again (webgpu now fails with the reason it was lost)
  const current = backendInfo()
  if (current?.choice === 'webgpu' && webgpuLost()) {
    requested ??= current.requested
    setBackendInfo(null)
  } else if (current && (requested === undefined || current.requested === requested)) return current
  requested ??= 'auto'
  const order: BackendName[] = requested === 'auto' ? [...BACKEND_ORDER] : [requested, ...BACKEND_ORDER.filter((b) => b !== requested)]
  const tried: BackendAttempt[] = []
  for (const name of order) {
    try {
      const adapter = await attempt(name, requested === name)
      tried.push({ name, package: PACKAGES[name], ok: true, ...(adapter ? { adapter } : {}) })
      const info: BackendInfo = {
        active: tf.getBackend(),
        choice: name,
        tried,
        requested,
        tfjsVersion: tf.version_core,
        ...(adapter ? { adapter } : {}),
      }
      if (name === 'wasm') {
        info.wasmSimd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))
        info.wasmThreads = 1
      }
      if (requested !== 'auto' && name !== requested) {
        // The override failed; keep running on the fallback and say so.
        info.tried = tried
      }
      tf.enableProdMode()
      info.gemm = await initGemm(info.active)
      setBackendInfo(info)
      return info
    } catch (e) {
      const adapter = adapterOf(e)
      tried.push({ name, package: PACKAGES[name], ok: false, reason: explain(name, e), ...(adapter ? { adapter } : {}) })
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${tried.map((t) => `${t.name}: ${t.reason}`).join('; ')}`)
}

let companion: 'wasm' | 'cpu' | null = null

/**
 * The CPU backend that runs beside webgpu: steps that must read results synchronously (the f32 stages of
 * f64-refined solves and eigensolvers, jobs not ported to asynchronous reads) run there, on data they
 * create themselves. wasm, else plain JS.
 */
async function companionBackend(): Promise<'wasm' | 'cpu'> {
  if (companion) return companion
  const active = tf.getBackend()
  try {
    await tryWasm()
    companion = 'wasm'
  } catch {
    await tryCpu()
    companion = 'cpu'
  }
  if (active) await tf.setBackend(active)
  return companion
}

/** Switches tfjs to the CPU companion (when webgpu is active) and returns how to switch back. */
export async function enterCpuCompanion(): Promise<{ backend: string; leave: () => Promise<void> }> {
  const active = tf.getBackend()
  if (active !== 'webgpu') return { backend: active, leave: async () => {} }
  const cpu = await companionBackend()
  await tf.setBackend(cpu)
  // the job computes as on that CPU backend, GEMM included (MLAS where it runs), so its numbers are a wasm
  // run's; worker threads started from here follow this choice
  await initGemm(cpu)
  return {
    backend: cpu,
    leave: async () => {
      await tf.setBackend(active)
      await initGemm(active)
    },
  }
}

/**
 * Runs `fn` on the CPU companion when webgpu is active (else as is). `fn` must create its own tensors: a
 * WebGPU tensor cannot be moved to another backend synchronously.
 */
export async function onCpuCompanion<T>(fn: () => Promise<T> | T): Promise<T> {
  const c = await enterCpuCompanion()
  try {
    return await fn()
  } finally {
    await c.leave()
  }
}

export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node, 'tfjs-core': tf.version_core }
  for (const p of ['onnxruntime-node', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'better-sqlite3']) {
    try {
      out[p] = (require(`${p}/package.json`) as { version: string }).version
    } catch {
      /* not installed */
    }
  }
  if (process.versions.electron) out.electron = process.versions.electron
  // the GEMM provider rounds differently from tfjs's matMul: part of what makes a run's numbers reproducible
  const gemm = backendInfo()?.gemm
  if (gemm) out.gemm = gemm.provider === 'mlas' ? `mlas (onnxruntime-node ${gemm.version})` : 'tfjs matMul'
  return out
}
