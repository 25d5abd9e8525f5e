import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-layers'

// Two gaps in @tensorflow/tfjs-backend-wasm 4.22 that training layers models runs into:
//
// 1. No Conv2DBackpropFilter kernel, so the gradient of a Conv2D weight fails on wasm. A 2-D convolution is
//    a 3-D one with depth 1, and wasm has Conv3DBackpropFilterV2:
//      ∂L/∂W[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−p, ow·s+kw−p, ci] · dy[n,oh,ow,co]
//    is computed as Conv3DBackpropFilterV2(x[n,1,h,w,ci], dy[n,1,oh,ow,co], filter [1,kh,kw,ci,co]).
//    Its C++ kernel has no dilations, takes only 'same'/'valid' padding and is wrong for strides > 1 (strided
//    convolutions are rewritten below); other cases get a clear error.
//
// 2. MatMul with a transpose flag (what tfjs-core's MatMul gradients use) is ~11× slower on wasm than an
//    explicit Transpose first. Measured on a 784-256-256-10 MLP, batch 128: layers training went from
//    ~2 500 to ~6 500 samples/s with the explicit transpose (the engine's hand-written MLP backward pass
//    runs at the same ~6 600). The result is the same product, summed in the same order by XNNPACK.

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend; attrs: Record<string, unknown> }
type KernelFn = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]

let installed = false

function kernelOf(name: string): KernelFn {
  const k = tf.getKernel(name, 'wasm')
  if (!k) throw new Error(`wasm backend has no ${name} kernel`)
  return k.kernelFunc as unknown as KernelFn
}

function conv2dBackpropFilterViaConv3d(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args
  const x = inputs.x!
  const dy = inputs.dy!
  const strides = attrs.strides as number | [number, number]
  const pad = attrs.pad as unknown
  const dataFormat = (attrs.dataFormat as string | undefined) ?? 'NHWC'
  const dilations = (attrs.dilations as number | [number, number] | undefined) ?? 1
  const filterShape = attrs.filterShape as [number, number, number, number]
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm: only NHWC (channels last) is supported, got ${dataFormat}`)
  if (dh !== 1 || dw !== 1) throw new Error('Conv2DBackpropFilter on wasm: dilated convolutions cannot be trained on this backend; use --backend cpu')
  if (pad !== 'same' && pad !== 'valid') throw new Error(`Conv2DBackpropFilter on wasm: padding '${String(pad)}' is not supported (use 'same' or 'valid'), or use --backend cpu`)
  const reshape = kernelOf('Reshape')
  const padV2 = kernelOf('PadV2')
  const conv3d = kernelOf('Conv3DBackpropFilterV2')
  const [n, h, w, c] = x.shape as [number, number, number, number]
  const [, oh, ow, co] = dy.shape as [number, number, number, number]
  const [fh, fw, ci, fo] = filterShape
  const temps: tf.TensorInfo[] = []
  const k = <T extends tf.TensorInfo | tf.TensorInfo[]>(t: T): tf.TensorInfo => {
    const o = t as tf.TensorInfo
    temps.push(o)
    return o
  }
  try {
    if (sh === 1 && sw === 1) {
      const x5 = k(reshape({ inputs: { x }, backend, attrs: { shape: [n, 1, h, w, c] } }))
      const dy5 = k(reshape({ inputs: { x: dy }, backend, attrs: { shape: [n, 1, oh, ow, co] } }))
      const dw5 = k(conv3d({ inputs: { x: x5, dy: dy5 }, backend, attrs: { strides: [1, 1, 1], pad, filterShape: [1, fh, fw, ci, fo] } }))
      return reshape({ inputs: { x: dw5 }, backend, attrs: { shape: filterShape } }) as tf.TensorInfo
    }
    // wasm's 3-D kernel gives wrong filter gradients for strides > 1, so a strided convolution is rewritten
    // as a stride-1 one: y[i,j] = y₁[i·s, j·s], hence ∂L/∂W = Σ_{u,v} x_pad[u+p, v+q] · dy↑[u,v] with dy↑
    // the output gradient spread out by s (zeros in between), over an input padded so the shapes agree.
    const padTop = pad === 'same' ? Math.floor(Math.max((oh - 1) * sh + fh - h, 0) / 2) : 0
    const padLeft = pad === 'same' ? Math.floor(Math.max((ow - 1) * sw + fw - w, 0) / 2) : 0
    const rows = oh * sh + fh - 1
    const cols = ow * sw + fw - 1
    const xPad = k(padV2({ inputs: { x }, backend, attrs: { paddings: [[0, 0], [padTop, rows - h - padTop], [padLeft, cols - w - padLeft], [0, 0]], constantValue: 0 } }))
    const dy6 = k(reshape({ inputs: { x: dy }, backend, attrs: { shape: [n, oh, 1, ow, 1, co] } }))
    const dyUp6 = k(padV2({ inputs: { x: dy6 }, backend, attrs: { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 } }))
    const x5 = k(reshape({ inputs: { x: xPad }, backend, attrs: { shape: [n, 1, rows, cols, c] } }))
    const dy5 = k(reshape({ inputs: { x: dyUp6 }, backend, attrs: { shape: [n, 1, oh * sh, ow * sw, co] } }))
    const dw5 = k(conv3d({ inputs: { x: x5, dy: dy5 }, backend, attrs: { strides: [1, 1, 1], pad: 'valid', filterShape: [1, fh, fw, ci, fo] } }))
    return reshape({ inputs: { x: dw5 }, backend, attrs: { shape: filterShape } }) as tf.TensorInfo
  } finally {
    for (const t of temps) backend.disposeData(t.dataId)
  }
}

function explicitTransposeMatMul(name: 'BatchMatMul' | '_FusedMatMul'): void {
  const original = tf.getKernel(name, 'wasm')
  if (!original) return
  const transpose = kernelOf('Transpose')
  const inner = original.kernelFunc as unknown as KernelFn
  tf.unregisterKernel(name, 'wasm')
  tf.registerKernel({
    ...original,
    kernelFunc: ((args: KernelArgs) => {
      const { inputs, attrs, backend } = args
      if (!attrs.transposeA && !attrs.transposeB) return inner(args)
      const temps: tf.TensorInfo[] = []
      const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
        const r = t.shape.length
        const perm = Array.from({ length: r }, (_, i) => i)
        perm[r - 1] = r - 2
        perm[r - 2] = r - 1
        const o = transpose({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo
        temps.push(o)
        return o
      }
      const a = attrs.transposeA ? swapLast(inputs.a!) : inputs.a!
      const b = attrs.transposeB ? swapLast(inputs.b!) : inputs.b!
      try {
        return inner({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } })
      } finally {
        for (const t of temps) backend.disposeData(t.dataId)
      }
    }) as unknown as tf.KernelFunc,
  })
}

/**
 * Registers the missing/slow wasm training kernels once per process. Harmless on other backends (it only
 * touches the 'wasm' registry) and when the wasm backend package is not loaded.
 */
export function ensureWasmTrainingKernels(): void {
  if (installed) return
  if (!tf.getKernel('Conv3DBackpropFilterV2', 'wasm')) return // wasm backend not registered (yet)
  installed = true
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm')!
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      // the 3-D kernel's setup binds its C++ entry point; it must have run for our delegate to call it
      setupFunc: conv3d.setupFunc,
      kernelFunc: conv2dBackpropFilterViaConv3d as unknown as tf.KernelFunc,
    })
  }
  explicitTransposeMatMul('BatchMatMul')
  explicitTransposeMatMul('_FusedMatMul')
}
