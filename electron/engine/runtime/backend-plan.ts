import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { BackendInfo, BackendName, GemmInfo } from '../../../shared/backend'
import { BACKEND_ORDER } from '../../../shared/backend-names'
import { initGemm } from '../blas/gemm'
import { missingVulkanLoader } from './vulkan-loader'

// What runtime/backend.ts resolves, and what can be known of it without loading tfjs. The backend this
// process chose lives here (not beside tfjs), so that asking whether one was chosen loads nothing.

const require = createRequire(import.meta.url)
const WEBGPU_PACKAGES = 'webgpu + @tensorflow/tfjs-backend-webgpu'
export const PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  webgpu: WEBGPU_PACKAGES,
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
}

export function notInstalledReason(name: BackendName): string {
  return `${PACKAGES[name]} is not installed (optional dependency: its installer downloads libtensorflow, which was skipped or failed on this machine)`
}

let current: BackendInfo | null = null

/** the backend this process chose (initBackend), or null before it ran */
export function backendInfo(): BackendInfo | null {
  return current
}

export function setBackendInfo(info: BackendInfo | null): void {
  current = info
}

function resolves(id: string): boolean {
  try {
    require.resolve(id)
    return true
  } catch {
    return false
  }
}

/**
 * The backend `initBackend()` would choose in a process that has chosen none yet, when that is certain
 * without loading tfjs and the GEMM is MLAS: for a job that computes on plain arrays and MLAS only (the
 * empirical NTK of a ReLU MLP), whose numbers do not depend on tfjs's backend, which it reports as its own.
 * It walks `auto`'s order as initBackend does: native TensorFlow is out when its package does not resolve
 * (initBackend's require fails the same way), WebGPU when Linux has no Vulkan loader (prepareWebgpu's first
 * refusal), and then wasm, whose package and binaries are installed, is what initBackend finds. Anything else
 * (a native package installed, a Vulkan loader, wasm missing, GEMM not MLAS) returns null: initBackend
 * decides, as before. Sets nothing but this thread's GEMM provider (as initBackend would).
 */
export async function backendWithoutTfjs(): Promise<{ active: 'wasm'; gemm: GemmInfo } | null> {
  if (current) return null
  for (const name of BACKEND_ORDER) {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      if (resolves(PACKAGES[name])) return null
    } else if (name === 'webgpu') {
      if (missingVulkanLoader() === null) return null
    } else if (name === 'wasm') {
      if (!resolves(PACKAGES.wasm) || !resolves('@tensorflow/tfjs-core')) return null
      const dist = path.join(path.dirname(require.resolve(`${PACKAGES.wasm}/package.json`)), 'dist')
      if (!['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'].every((f) => existsSync(path.join(dist, f)))) return null
      const gemm = await initGemm('wasm')
      return gemm.provider === 'mlas' ? { active: 'wasm', gemm } : null
    } else return null
  }
  return null
}
