import type { CliCommand } from '../command'
import { BACKEND_CHOICES } from '../flags'

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'versions, tfjs backends tried (and why each failed), WebGPU adapter, active backend, float32 GEMM, cores',
  usage: `Usage: ntkw info [--backend auto|tensorflow-gpu|tensorflow|webgpu|wasm|cpu] [--json]

Initialises the engine the way jobs do and reports:
  versions of ntkw, Node, tfjs, the WebGPU packages and the optional native backends,
  every backend tried in order (tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu) with the reason it failed,
  the WebGPU adapter found (vendor, architecture, device, driver description; "software" when it
  computes on the CPU, such as SwiftShader or llvmpipe), or why none was found,
  the active backend, the float32 GEMM the engine's kernels, solves and feature maps use (ONNX
  Runtime's MLAS from the optional onnxruntime-node package where tfjs computes on the CPU, else
  tfjs's matMul, with the reason), the number of CPU cores, and whether large arrays get huge pages.

Environment: NTKW_GEMM=tfjs uses tfjs's matMul even where MLAS is available (NTKW_GEMM=mlas asks for
MLAS on native TensorFlow or WebGPU too).
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (Linux, glibc ≥ 2.35) gives the engine's large arrays 2 MiB pages,
where the kernel's transparent huge pages are "madvise" or "always": fewer page faults when a job first
writes a large matrix (an n = 4 000 \`ntkw predict\` took 0.71× the time on a VM). The app's engine process
and \`ntkw predict\` (in a child process) set it themselves unless NTKW_HUGEPAGES=0; other commands compute
in the process you start, so set it there.

auto skips a software WebGPU adapter (slower than wasm) and says so; --backend webgpu uses it anyway.
On Linux WebGPU needs the Vulkan loader (libvulkan.so.1) and a Vulkan driver; VK_ICD_FILENAMES selects
a driver (e.g. Chromium's SwiftShader, /usr/lib/chromium/vk_swiftshader_icd.json, where no GPU exists).

Options:
  --backend B   try B first (default auto = the order above)
  --json        machine-readable output
`,
  options: { backend: { type: 'string' }, json: { type: 'boolean' } },
  choices: { backend: BACKEND_CHOICES },
  load: () => import('../actions/info'),
}
