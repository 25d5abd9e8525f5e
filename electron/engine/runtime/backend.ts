import * as tf from '@tensorflow/tfjs-core'
import { createRequire } from 'node:module'
import path from 'node:path'
import util from 'node:util'
import type { BackendAttempt, BackendChoice, BackendInfo, BackendName } from '../../../shared/backend'
import { BACKEND_ORDER } from '../../../shared/backend'

// Resolves the tfjs backend: tfjs-node-gpu → tfjs-node → wasm → cpu, or the user's choice first.
// Native bindings are optionalDependencies (their installers download libtensorflow), so each attempt
// records why it failed, for `ntkw info` and Help ▸ About.

const require = createRequire(import.meta.url)
const PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
}

let current: BackendInfo | null = null

function explain(name: BackendName, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  if (/Cannot find (module|package)/.test(msg) && msg.includes(PACKAGES[name])) {
    return `${PACKAGES[name]} is not installed (optional dependency: its installer downloads libtensorflow, which was skipped or failed on this machine)`
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

async function tryCpu(): Promise<void> {
  require('@tensorflow/tfjs-backend-cpu')
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs refused to initialise the cpu backend')
}

async function attempt(name: BackendName): Promise<void> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') return tryNative(name)
  if (name === 'wasm') return tryWasm()
  return tryCpu()
}

/** Initialises tfjs once per process (or again with another choice) and reports what was tried. */
export async function initBackend(requested: BackendChoice = 'auto'): Promise<BackendInfo> {
  // 'auto' keeps whatever backend the process already chose (e.g. a CLI --backend before the job starts)
  if (current && (current.requested === requested || requested === 'auto')) return current
  const order: BackendName[] = requested === 'auto' ? [...BACKEND_ORDER] : [requested, ...BACKEND_ORDER.filter((b) => b !== requested)]
  const tried: BackendAttempt[] = []
  for (const name of order) {
    try {
      await attempt(name)
      tried.push({ name, package: PACKAGES[name], ok: true })
      const info: BackendInfo = {
        active: tf.getBackend(),
        choice: name,
        tried,
        requested,
        tfjsVersion: tf.version_core,
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
      current = info
      return info
    } catch (e) {
      tried.push({ name, package: PACKAGES[name], ok: false, reason: explain(name, e) })
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${tried.map((t) => `${t.name}: ${t.reason}`).join('; ')}`)
}

export function backendInfo(): BackendInfo | null {
  return current
}

export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node, 'tfjs-core': tf.version_core }
  for (const p of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'better-sqlite3']) {
    try {
      out[p] = (require(`${p}/package.json`) as { version: string }).version
    } catch {
      /* not installed */
    }
  }
  if (process.versions.electron) out.electron = process.versions.electron
  return out
}
