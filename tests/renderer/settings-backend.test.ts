// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { setApi } from '../../renderer/src/api/index'
import { useApp } from '../../renderer/src/stores/app'
import AboutDialog from '../../renderer/src/components/AboutDialog.vue'
import { fakeApi } from './fake-api'
import type { AppInfo } from '../../shared/ipc'
import { BACKEND_ORDER, type BackendInfo } from '../../shared/backend'

// Settings names the WebGPU adapter (or why it was not used) and offers webgpu as a choice.
let pinia: Pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  setApi(fakeApi({}).api)
})

const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', software: true }
const info = (backend: BackendInfo): AppInfo => ({ appName: 'NTK Workbench', appVersion: '0.1.0', mode: 'serve', versions: {}, platform: 'linux-x64', cores: 2, nativeDialogs: false, backend })

describe('Settings: compute backend', () => {
  it('offers every backend, webgpu included', () => {
    useApp().info = info({ active: 'wasm', choice: 'wasm', tried: [], requested: 'auto', tfjsVersion: '4.22.0' })
    const w = mount(AboutDialog, { global: { plugins: [pinia] } })
    expect(w.findAll('[data-testid=backend-choice] option').map((o) => o.attributes('value'))).toEqual(['auto', ...BACKEND_ORDER])
  })

  it('names a skipped software adapter with the reason', () => {
    useApp().info = info({
      active: 'wasm',
      choice: 'wasm',
      requested: 'auto',
      tfjsVersion: '4.22.0',
      tried: [
        { name: 'webgpu', package: 'webgpu + @tensorflow/tfjs-backend-webgpu', ok: false, reason: 'the only WebGPU adapter is a software one', adapter: swiftshader },
        { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', ok: true },
      ],
    })
    const w = mount(AboutDialog, { global: { plugins: [pinia] } })
    // the choice itself says webgpu failed here, and why
    expect(w.get('[data-testid=backend-choice] option[value=webgpu]').text()).toBe('webgpu — unavailable here: the only WebGPU adapter is a software one')
    // every backend that did not fail (in the fake app info: all but webgpu) is offered under its plain name
    for (const ok of BACKEND_ORDER.filter((b) => b !== 'webgpu')) expect(w.get(`[data-testid=backend-choice] option[value=${ok}]`).text()).toBe(ok)
    const tried = w.get('[data-testid=settings-tried]').text()
    expect(tried).toContain('the only WebGPU adapter is a software one')
    expect(w.get('[data-testid=settings-adapter]').text()).toBe('GPU adapter: google swiftshader (swiftshader-device-subzero-, SwiftShader driver 5.0.0), software (runs on the CPU)')
  })

  it('names the adapter webgpu runs on', () => {
    const adapter = { vendor: 'amd', architecture: 'rdna-3', device: '', description: 'AMD Radeon RX 7600', software: false }
    useApp().info = info({ active: 'webgpu', choice: 'webgpu', requested: 'auto', tfjsVersion: '4.22.0', adapter, tried: [{ name: 'webgpu', package: 'webgpu + @tensorflow/tfjs-backend-webgpu', ok: true, adapter }] })
    const w = mount(AboutDialog, { global: { plugins: [pinia] } })
    expect(w.get('[data-testid=settings-active-backend]').text()).toContain('webgpu')
    expect(w.get('[data-testid=settings-active-backend]').text()).toContain('on amd rdna-3 (AMD Radeon RX 7600)')
    expect(w.text()).toContain('other jobs run on wasm beside it')
  })

  it('names the float32 GEMM, and why tfjs matMul is used when it is', () => {
    useApp().info = info({ active: 'wasm', choice: 'wasm', tried: [], requested: 'auto', tfjsVersion: '4.22.0', wasmSimd: true, gemm: { provider: 'mlas', version: '1.31.1', threads: 2 } })
    const w = mount(AboutDialog, { global: { plugins: [pinia] } })
    expect(w.get('[data-testid=settings-gemm]').text()).toBe('Float32 GEMM (kernels, solves, feature maps): ONNX Runtime MLAS 1.31.1, 2 threads')
    expect(useApp().backendLabel).toBe('wasm (SIMD, MLAS GEMM)')
    useApp().info = info({ active: 'tensorflow', choice: 'tensorflow', tried: [], requested: 'auto', tfjsVersion: '4.22.0', gemm: { provider: 'tfjs', version: '4.22.0', threads: 1, reason: 'tfjs runs on tensorflow, whose own matMul is used' } })
    const w2 = mount(AboutDialog, { global: { plugins: [pinia] } })
    expect(w2.get('[data-testid=settings-gemm]').text()).toContain('tfjs matMul (tfjs runs on tensorflow, whose own matMul is used)')
    expect(useApp().backendLabel).toBe('tensorflow')
  })
})
