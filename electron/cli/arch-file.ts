import { readFileSync } from 'node:fs'
import path from 'node:path'
import { NetArch, layerName, planKernel, type KernelPlan, type NetKernelArch } from '../../shared/arch'
import { UserError } from '../../shared/errors'

export { npyShape } from './npy-header'

// `--arch ARCH.json` of the kernel commands: the file read, validated and planned with infinite-width
// semantics against the data's shape (from the NPY header only) before any work starts, so a bad file is
// refused with an error naming the layer. Loaded only when the flag is given (zod stays off the start-up path).

const HINT = 'See `ntkw kernel --help`; e.g. {"input":[28,28,1],"layers":[{"type":"conv2d","filters":1,"kernel":3,"padding":"same","activation":"relu"},{"type":"flatten"}]}'

export function readNetArch(file: string): NetArch {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new UserError('bad_arch', `${path.basename(file)} is not valid JSON: ${(e as Error).message}`, HINT)
  }
  const r = NetArch.safeParse(json)
  if (!r.success) {
    const layers = (json as { layers?: unknown[] })?.layers
    const issues = r.error.issues.map((i) => {
      const [head, index, ...rest] = i.path
      if (head === 'layers' && typeof index === 'number') {
        const l = Array.isArray(layers) ? (layers[index] as { type?: unknown }) : undefined
        const where = layerName(index, { type: typeof l?.type === 'string' ? l.type : '?' })
        return `${where}${rest.length ? ` ${rest.join('.')}` : ''}: ${i.message}`
      }
      return `${i.path.join('.') || '(root)'}: ${i.message}`
    })
    throw new UserError('bad_arch', `${path.basename(file)}: ${issues.join('; ')}`, HINT)
  }
  return r.data
}

/** The file as a job's kernel architecture, planned against the data (refusals name the layer). */
export function kernelArchFromFile(file: string, defaults: { wStd: number; bStd: number | null }, dataShape: number[]): { arch: NetKernelArch; plan: KernelPlan } {
  const net = readNetArch(file)
  try {
    return { arch: { net, wStd: defaults.wStd, bStd: defaults.bStd }, plan: planKernel(net, defaults, dataShape) }
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.code, `${path.basename(file)}: ${e.message}`, e.hint)
    throw e
  }
}
