import type { CliCommand } from '../command'
import { ArchFlagSet, BACKEND_CHOICES } from '../flags'

export const kernelArchFlags = new ArchFlagSet({ width: 'optional', parameterization: true, kindFlag: 'kind' })

export const kernelCommand: CliCommand = {
  name: 'kernel',
  summary: 'analytic infinite-width NTK or NNGP of a fully-connected network, NPY in, NPY out',
  usage: `Usage: ntkw kernel --x X.npy [--x2 X2.npy] --depth L --activation A [--w-std S] [--b-std B]
                   [--parameterization ntk|standard] [--kind ntk|nngp] [--out K.npy]
                   [--workers N] [--backend B] [--quiet]

Computes the infinite-width kernel (neural-tangents conventions) of L × (Dense → activation) → Dense,
between the rows of X (and X2, else X with itself). Tiles run on this thread and worker threads (one
per core in all) and are streamed to disk, so large n needs memory for the inputs and at most 256 MiB of
row bands gathered for writing, not for the whole kernel.

Options:
  --x X.npy               points, float32 or float64, shape [n, d]
  --x2 X2.npy             second point set [m, d] (kernel is n × m); default: X itself
${kernelArchFlags.help(24)}
  --out K.npy             output file (default kernel.npy in the working directory); float32 [n, m]
  --workers N             threads computing tiles: this one and N − 1 worker threads (default 0 = one
                          per core; 1 = this thread only)
  --backend B             auto (default) | tensorflow-gpu | tensorflow | webgpu | wasm | cpu; the backend
                          that ran is named on stderr (see ntkw info). On webgpu the tiles run on this
                          thread only: one GPU device per process (--workers is ignored)
  --quiet                 no progress on stderr

Prints the path of the written file on stdout.
`,
  options: {
    x: { type: 'string' },
    x2: { type: 'string' },
    ...kernelArchFlags.options,
    out: { type: 'string' },
    workers: { type: 'string' },
    backend: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  choices: { ...kernelArchFlags.choices, backend: BACKEND_CHOICES },
  load: () => import('../actions/kernel'),
}
