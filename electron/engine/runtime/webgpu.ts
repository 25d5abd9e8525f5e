/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs-core'
import { createRequire } from 'node:module'
import type { GpuAdapter } from '../../../shared/backend'
import { UserError } from '../../../shared/errors'
import { missingVulkanLoader } from './vulkan-loader'

// tfjs's WebGPU backend in a Node process (the CLI, the engine process of the app and of `ntkw serve`):
// Dawn through the `webgpu` package reaches Vulkan, Metal or Direct3D 12. Both packages are imported only
// when webgpu is tried, so commands that never compute do not pay for them.
//
// Dawn pitfall: the object `create()` returns owns the native instance; if it is collected while the device
// works, the process aborts mid-compute. `keep` and navigator.gpu hold it for the life of the process.
//
// Software adapters (SwiftShader, llvmpipe, WARP) compute on the CPU through a Vulkan/D3D emulation:
// measured on SwiftShader, a 1024² matmul ran at ≈ 0.5 GFLOP/s against ≈ 18 for wasm on an idle machine,
// training an MLP 34× slower, an analytic kernel 4.5× (docs/performance.md), so `auto` skips them (and
// says so); `--backend webgpu` still uses one, which is how the tests run it.

const require = createRequire(import.meta.url)

interface DawnModule {
  create(flags: string[]): GPU
  globals: Record<string, unknown>
}

interface WebgpuState {
  adapter: GpuAdapter
  device: GPUDevice
  /** set when the device is lost (driver reset, GPU removed, destroyed) */
  lost: string | null
}

let keep: GPU | null = null
let state: WebgpuState | null = null

/** A software adapter found while `auto` was resolving: not used, reported with the reason. */
export class SoftwareAdapterError extends Error {
  constructor(readonly adapter: GpuAdapter) {
    super(
      `the only WebGPU adapter is a software one (${adapter.vendor} ${adapter.architecture}: ${adapter.description || adapter.device}), ` +
        'which computes on the CPU, ≈ 35× slower than wasm on a matmul; auto skips it (choose --backend webgpu to use it anyway)',
    )
  }
}

/** Failure with the adapter that was found, so `info` can name it even when the device failed. */
export class AdapterFailure extends Error {
  constructor(message: string, readonly adapter?: GpuAdapter) {
    super(message)
  }
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i

function describe(info: GPUAdapterInfo | undefined, fallback: boolean): GpuAdapter {
  const vendor = info?.vendor ?? ''
  const architecture = info?.architecture ?? ''
  const device = info?.device ?? ''
  const description = info?.description ?? ''
  const flagged = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true
  return { vendor, architecture, device, description, software: fallback || flagged || SOFTWARE.test(`${vendor} ${architecture} ${device} ${description}`) }
}

function noAdapterHint(): string {
  if (process.platform === 'linux') {
    return 'Vulkan offers no adapter Dawn accepts: install a Vulkan driver for the GPU (mesa-vulkan-drivers, or the vendor driver; Mesa\'s lavapipe is refused); `vulkaninfo --summary` lists what Vulkan sees'
  }
  if (process.platform === 'win32') return 'Dawn found no Direct3D 12 or Vulkan adapter: update the graphics driver'
  if (process.platform === 'darwin') return 'Dawn found no Metal device'
  return `Dawn has no GPU backend on ${process.platform}`
}

async function loadDawn(): Promise<DawnModule> {
  try {
    return (await import('webgpu')) as unknown as DawnModule
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    if (/Cannot find (module|package) 'webgpu'/.test(msg)) throw new Error('the webgpu package (Dawn for Node) is not installed')
    throw new Error(`the webgpu package (Dawn for Node) failed to load: ${msg.split('\n')[0]}`)
  }
}

/** The WebGPU constants (GPUBufferUsage, GPUMapMode, ...) tfjs reads as globals, and navigator.gpu. */
function installGlobals(dawn: DawnModule, gpu: GPU): void {
  const g = globalThis as Record<string, unknown>
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v
  const nav = g.navigator as Record<string, unknown> | undefined
  if (nav === undefined) g.navigator = { gpu }
  else Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true })
}

type BackendCtor = new (device: GPUDevice, info?: GPUAdapterInfo) => tf.KernelBackend

/**
 * tfjs's readSync of a GPU-resident tensor reads it back through an OffscreenCanvas, which Node has not:
 * WebGPU results reach JavaScript only asynchronously here. Engine paths that run on webgpu read with
 * `await t.data()`; a synchronous read anywhere else gets this error instead of "OffscreenCanvas is not
 * defined".
 */
function nodeBackendClass(Base: BackendCtor): BackendCtor {
  return class NodeWebGPUBackend extends Base {
    override readSync(dataId: object): tf.backend_util.BackendValues {
      const data = (this as unknown as { tensorMap: { get(id: object): { values: unknown; dtype: string } } }).tensorMap.get(dataId)
      if (data.values != null || data.dtype === 'string' || 'OffscreenCanvas' in globalThis) return super.readSync(dataId)
      if (process.env.NTKW_TRACE_SYNC) console.error(new Error('sync read').stack)
      throw new UserError(
        'webgpu_sync_read',
        'this step reads a WebGPU result synchronously, which WebGPU cannot do outside a browser page',
        'Run it with --backend wasm (or choose wasm in Settings); NTKW_TRACE_SYNC=1 prints where it happened.',
      )
    }
  }
}

/**
 * Finds an adapter, creates a device with the limits tfjs asks for, and registers tfjs's 'webgpu' backend
 * on it (not yet selected). With `allowSoftware` false a CPU adapter is refused (SoftwareAdapterError).
 * Once a device exists it is reused for the life of the process (one device per process: worker threads
 * do not open their own, see ntk/analytic.ts).
 */
export async function prepareWebgpu(allowSoftware: boolean): Promise<GpuAdapter> {
  if (state && !state.lost) {
    if (state.adapter.software && !allowSoftware) throw new SoftwareAdapterError(state.adapter)
    return state.adapter
  }
  if (state?.lost) throw new AdapterFailure(`the WebGPU device was lost earlier in this process (${state.lost}); restart to try it again`, state.adapter)
  const missing = missingVulkanLoader()
  if (missing) throw new Error(missing)
  const dawn = await loadDawn()
  if (!keep) keep = dawn.create([])
  const gpu = keep
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  if (!adapter) throw new Error(`no WebGPU adapter: ${noAdapterHint()}`)
  const legacy = adapter as unknown as { isFallbackAdapter?: boolean; requestAdapterInfo?: () => Promise<GPUAdapterInfo> }
  const info: GPUAdapterInfo | undefined = adapter.info ?? (await legacy.requestAdapterInfo?.())
  const described = describe(info, legacy.isFallbackAdapter === true)
  if (described.software && !allowSoftware) throw new SoftwareAdapterError(described)
  let device: GPUDevice
  try {
    const l = adapter.limits
    // the same features and limits tfjs-backend-webgpu's own registration requests
    const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : []
    device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    })
  } catch (e) {
    throw new AdapterFailure(`the adapter refused to create a device: ${e instanceof Error ? e.message : String(e)}`, described)
  }
  const s: WebgpuState = { adapter: described, device, lost: null }
  state = s
  void device.lost.then((l) => {
    s.lost = `${l.reason}${l.message ? `: ${l.message}` : ''}`
  })
  // Loaded before navigator.gpu exists, so it does not register its own factory (that one would open a
  // second adapter): ours uses the device above.
  const { WebGPUBackend } = require('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: BackendCtor }
  installGlobals(dawn, gpu)
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu')
  const Backend = nodeBackendClass(WebGPUBackend)
  tf.registerBackend('webgpu', () => new Backend(device, info), 0)
  return described
}

/** Why the device stopped working, or null while it works (or was never created). */
export function webgpuLost(): string | null {
  return state?.lost ?? null
}

/** The error a job on a lost WebGPU device fails with (null while the device works). */
export function deviceLostError(): UserError | null {
  const lost = webgpuLost()
  if (!lost) return null
  return new UserError(
    'webgpu_device_lost',
    `the WebGPU device was lost (${lost}); the results of this run are incomplete`,
    'Run it again: the next job starts on the next available backend (see ntkw info), or choose --backend wasm.',
  )
}

/** Throws a clear error if the WebGPU device is gone: called between steps of long loops. */
export function assertWebgpuAlive(): void {
  const e = tf.getBackend() === 'webgpu' ? deviceLostError() : null
  if (e) throw e
}
