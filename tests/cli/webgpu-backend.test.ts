import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/tmp'
import { readNpy, writeNpy } from '../../electron/engine/io/npy'
import type { BackendInfo } from '../../shared/backend'

// Issue 24, item 4: the WebGPU backend, run for real on Chromium's SwiftShader Vulkan driver where no GPU
// exists (Dawn refuses Mesa's lavapipe). The processes started here get VK_ICD_FILENAMES (and Chromium's
// Vulkan loader on LD_LIBRARY_PATH, for systems without libvulkan1). Without SwiftShader the webgpu part is
// skipped, loudly; what every machine must do (name webgpu among the backends tried, with a reason when
// unused) is checked everywhere.
const root = fileURLToPath(new URL('../..', import.meta.url))
const SWIFTSHADER = process.env.NTKW_TEST_VK_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json'
const haveSwiftShader = existsSync(SWIFTSHADER)
if (!haveSwiftShader) console.warn(`\n*** SKIPPING the WebGPU tests: no SwiftShader Vulkan driver at ${SWIFTSHADER} (install chromium, or set NTKW_TEST_VK_ICD) ***\n`)
const gpuEnv: NodeJS.ProcessEnv = {
  ...process.env,
  VK_ICD_FILENAMES: SWIFTSHADER,
  LD_LIBRARY_PATH: [path.dirname(SWIFTSHADER), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
}
const tmp = tempDir('ntkw-webgpu-')
afterAll(() => tmp.cleanup())

function ntkw(args: string[], env: NodeJS.ProcessEnv = gpuEnv): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/ntkw.js'), ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 300_000, env })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** seeded points in [-½, ½) */
function points(n: number, d: number, seed: number): Float32Array {
  let s = seed
  return Float32Array.from({ length: n * d }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5)
}

function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-6))
  return worst
}

describe('webgpu backend', () => {
  it('is tried by auto on every machine: used on a hardware adapter, else skipped with the reason', () => {
    const r = ntkw(['info', '--json'], { ...process.env, VK_ICD_FILENAMES: path.join(tmp.dir, 'no-such-driver.json') })
    expect(r.code, r.err).toBe(0)
    const info = JSON.parse(r.out) as { backend: BackendInfo; versions: Record<string, string> }
    const names: string[] = info.backend.tried.map((t) => t.name)
    expect(names.slice(0, names.indexOf('webgpu'))).toEqual(['tensorflow-gpu', 'tensorflow'].filter((n) => names.includes(n)))
    const webgpu = info.backend.tried.find((t) => t.name === 'webgpu')
    // tensorflow(-gpu) comes first; when neither loads, webgpu is tried
    if (!['tensorflow', 'tensorflow-gpu'].includes(info.backend.choice)) {
      expect(webgpu).toBeDefined()
      if (webgpu!.ok) expect(webgpu!.adapter?.software).toBe(false)
      else expect(webgpu!.reason).toMatch(/adapter|Vulkan|Dawn|webgpu/i)
    }
    expect(info.versions['@tensorflow/tfjs-backend-webgpu']).toBe('4.22.0')
  })

  describe.skipIf(!haveSwiftShader)('on SwiftShader', { timeout: 300_000 }, () => {
    it('auto skips the software adapter and names it; --backend webgpu uses it', () => {
      const auto = ntkw(['info', '--json'])
      expect(auto.code, auto.err).toBe(0)
      const a = (JSON.parse(auto.out) as { backend: BackendInfo }).backend
      const w = a.tried.find((t) => t.name === 'webgpu')!
      if (!['tensorflow', 'tensorflow-gpu'].includes(a.choice)) {
        expect(w.ok).toBe(false)
        expect(w.reason).toMatch(/software/)
        expect(w.adapter).toMatchObject({ architecture: 'swiftshader', software: true })
        expect(a.active).not.toBe('webgpu')
      }
      const forced = ntkw(['info', '--backend', 'webgpu'])
      expect(forced.code, forced.err).toBe(0)
      expect(forced.out).toMatch(/active backend: webgpu on google swiftshader .*software/)
      expect(forced.out).toMatch(/ok\s+webgpu\s+webgpu \+ @tensorflow\/tfjs-backend-webgpu\n\s+adapter: google swiftshader/)
    })

    it('ntkw kernel --backend webgpu runs on webgpu and equals the wasm kernel within 1e-4', () => {
      const x = path.join(tmp.dir, 'x.npy')
      writeNpy(x, points(96, 10, 11), [96, 10])
      const args = ['kernel', '--x', x, '--depth', '3', '--activation', 'relu', '--w-std', '1.4', '--b-std', '0.1']
      const gpu = ntkw([...args, '--backend', 'webgpu', '--out', 'k-webgpu.npy'])
      expect(gpu.code, gpu.err).toBe(0)
      expect(gpu.err).toMatch(/kernel ntk: backend webgpu on google swiftshader/)
      const cpu = ntkw([...args, '--backend', 'wasm', '--out', 'k-wasm.npy'])
      expect(cpu.code, cpu.err).toBe(0)
      expect(cpu.err).toMatch(/kernel ntk: backend wasm\n/)
      const kg = readNpy(path.join(tmp.dir, 'k-webgpu.npy'))
      const kc = readNpy(path.join(tmp.dir, 'k-wasm.npy'))
      expect(kg.shape).toEqual([96, 96])
      expect(maxRelative(kg.data as Float32Array, kc.data as Float32Array)).toBeLessThan(1e-4)
    })

    it('ntkw train --backend webgpu: 2 epochs of an MLP, loss curves within 1e-3 of wasm; ntkw eval equal too', () => {
      const n = 200
      const d = 12
      const x = points(n, d, 5)
      // one-hot rows of 3 classes that depend on the first three features
      const y = new Float32Array(n * 3)
      for (let i = 0; i < n; i++) y[i * 3 + (x[i * d]! + x[i * d + 1]! > 0 ? 1 : 0) + (x[i * d + 2]! > 0.25 ? 1 : 0)] = 1
      writeNpy(path.join(tmp.dir, 'tx.npy'), x, [n, d])
      writeNpy(path.join(tmp.dir, 'ty.npy'), y, [n, 3])
      const common = ['train', '--x', 'tx.npy', '--y', 'ty.npy', '--layers', '32,32', '--epochs', '2', '--batch', '50', '--seed', '4', '--validation-split', '0.2']
      const gpu = ntkw([...common, '--backend', 'webgpu', '--out', 'm-webgpu'])
      expect(gpu.code, gpu.err).toBe(0)
      expect(gpu.err).toMatch(/train: backend webgpu on google swiftshader/)
      const cpu = ntkw([...common, '--backend', 'wasm', '--out', 'm-wasm'])
      expect(cpu.code, cpu.err).toBe(0)
      type Hist = { history: { trainLoss: number; valLoss: number }[] }
      const hg = JSON.parse(readFileSync(path.join(tmp.dir, 'm-webgpu', 'history.json'), 'utf8')) as Hist
      const hc = JSON.parse(readFileSync(path.join(tmp.dir, 'm-wasm', 'history.json'), 'utf8')) as Hist
      expect(hg.history).toHaveLength(2)
      const curve = (h: Hist): number[] => h.history.flatMap((e) => [e.trainLoss, e.valLoss])
      expect(curve(hg).every(Number.isFinite)).toBe(true)
      expect(maxRelative(curve(hg), curve(hc))).toBeLessThan(1e-3)
      // the model learnt something (the loss fell), so equal curves are not two untouched initial losses
      expect(hg.history[1]!.trainLoss).toBeLessThan(hg.history[0]!.trainLoss)
      // evaluation of the trained model on webgpu equals wasm's
      type Ev = { accuracy: number; loss: number; latency: { backend: string } }
      const evalArgs = ['eval', '--model', 'm-webgpu/model.json', '--x', 'tx.npy', '--y', 'ty.npy', '--json']
      const eg = ntkw([...evalArgs, '--backend', 'webgpu'])
      const ec = ntkw([...evalArgs, '--backend', 'wasm'])
      expect(eg.code, eg.err).toBe(0)
      expect(ec.code, ec.err).toBe(0)
      const [vg, vc] = [JSON.parse(eg.out) as Ev, JSON.parse(ec.out) as Ev]
      expect(vg.latency.backend).toBe('webgpu')
      // the reference side ran where it was asked (wasm is always installed; never the device under test)
      expect(vc.latency.backend).not.toBe('webgpu')
      // at most one of the n rows may flip on a float32 near-tie
      expect(Math.abs(vg.accuracy - vc.accuracy)).toBeLessThanOrEqual(1 / n + 1e-12)
      expect(maxRelative([vg.loss], [vc.loss])).toBeLessThan(1e-4)
    })

    it('a job kind not ported to asynchronous reads runs on wasm beside webgpu (worker threads too) and records it', () => {
      // n = 600: the kernel is large enough for worker threads, which must start on wasm, not open devices
      const n = 600
      const x = path.join(tmp.dir, 'px.npy')
      writeNpy(x, points(n, 6, 3), [n, 6])
      const y = path.join(tmp.dir, 'py.npy')
      writeNpy(y, Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [n, 1])
      const spec = path.join(tmp.dir, 'predict.json')
      writeFileSync(spec, JSON.stringify({ kind: 'predict', xTrain: { type: 'npy', path: x }, yTrain: { type: 'npy', path: y }, xTest: { type: 'npy', path: x }, arch: { depth: 1, activation: { name: 'erf' } }, diagReg: 1e-3 }))
      const r = ntkw(['run', spec, '--backend', 'webgpu', '--out', 'pout-webgpu'])
      expect(r.code, r.err + r.out).toBe(0)
      // the CPU-side backend the engine chose beside webgpu (wasm here; tensorflow where tfjs-node installs)
      const beside = /backend (\S+) \(beside webgpu/.exec(r.err)?.[1]
      expect(beside, r.err).toBeDefined()
      expect(beside).not.toBe('webgpu')
      expect((JSON.parse(r.out) as { backend: string }).backend).toBe(beside)
      const w = ntkw(['run', spec, '--backend', 'wasm', '--out', 'pout-wasm'])
      expect(w.code, w.err).toBe(0)
      const a = readNpy(path.join(tmp.dir, 'pout-webgpu', 'predictions.npy')).data as Float32Array
      const b = readNpy(path.join(tmp.dir, 'pout-wasm', 'predictions.npy')).data as Float32Array
      expect(a.length).toBe(n)
      expect(maxRelative(a, b)).toBeLessThan(1e-6)
    })

    it('memory is given back (tensors and GPU buffers), and a lost device fails clearly and falls back', () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'tests/engine/runtime/webgpu-child.ts')], { cwd: root, encoding: 'utf8', timeout: 300_000, env: gpuEnv })
      expect(r.status, r.stderr).toBe(0)
      type Started = { type: 'started'; backend: string }
      const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        active: string
        memory: { before: { numTensors: number }; rounds: { numTensors: number; bytesInGpu: number; usedBuffers: number }[] }
        lostRun: { outcome: { state: string; error: string; hint: string }; started: Started }
        nextRun: { state: string; started: Started; active: string; webgpu: { ok: boolean; reason: string } }
      }
      expect(o.active).toBe('webgpu')
      // rounds of kernels + training leave nothing behind but the diagonal pin cached per tile size
      const [first, ...rest] = o.memory.rounds
      expect(first!.numTensors - o.memory.before.numTensors).toBeLessThanOrEqual(1)
      for (const r2 of rest) expect(r2).toEqual(first)
      // the device is destroyed after the first tile of a kernel job
      expect(o.lostRun.started.backend).toBe('webgpu')
      expect(o.lostRun.outcome.state).toBe('failed')
      expect(o.lostRun.outcome.error).toMatch(/WebGPU device was lost \(destroyed/)
      expect(o.lostRun.outcome.hint).toMatch(/next available backend/)
      // the next job resolves the backend again: it falls back and the reason is recorded
      expect(o.nextRun.state).toBe('succeeded')
      expect(o.nextRun.started.backend).not.toBe('webgpu')
      expect(o.nextRun.active).toBe(o.nextRun.started.backend)
      expect(o.nextRun.webgpu).toMatchObject({ ok: false })
      expect(o.nextRun.webgpu.reason).toMatch(/lost earlier in this process/)
    })
  })
})
