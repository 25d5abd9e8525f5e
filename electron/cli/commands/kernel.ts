import type { CliCommand } from '../command'
import { ArchFlagSet, BACKEND_CHOICES } from '../flags'

export const kernelArchFlags = new ArchFlagSet({ width: 'optional', parameterization: true, kindFlag: 'kind', archFile: true })

export const kernelCommand: CliCommand = {
  name: 'kernel',
  summary: 'analytic infinite-width NTK or NNGP of a fully-connected or convolutional network, NPY in, NPY out',
  usage: `Usage: ntkw kernel --x X.npy [--x2 X2.npy] --depth L --activation A [--w-std S] [--b-std B]
                   [--parameterization ntk|standard] [--kind ntk|nngp] [--out K.npy]
                   [--workers N] [--backend B] [--tile-size T] [--redis URL [--resume RUNID] [--insecure]]
                   [--quiet]
       ntkw kernel --x X.npy [--x2 X2.npy] --arch ARCH.json [--w-std S] [--b-std B] [--kind ntk|nngp]
                   [--out K.npy] [--dry-run]

Computes the infinite-width kernel (neural-tangents conventions) of L × (Dense → activation) → Dense,
or of the network in ARCH.json (CNN-GP / CNTK: stride-1 convolutions, average and global average
pooling, flatten, dense, activations; NTK parameterization), between the rows of X (and X2, else X with
itself). Tiles run on this thread and worker threads (one per core in all) and are streamed to disk, so
large n needs memory for the inputs and at most 256 MiB of row bands gathered for writing, not for the
whole kernel. With --arch each thread also holds one pair's spatial state (P = h·w positions: 5·P
float64 values, 5·P² up to the last pooling layer) and every point's variances per activation; e.g.
global average pooling on 8×8 images at n = 2 000 stays under 200 MiB in all. --dry-run prints the
plan, the time and the memory estimate and stops.

Options:
  --x X.npy               points, float32 or float64, shape [n, d]
  --x2 X2.npy             second point set [m, d] (kernel is n × m); default: X itself
${kernelArchFlags.help(24)}
  --out K.npy             output file (default kernel.npy in the working directory); float32 [n, m]
  --dry-run               with --arch: print the layer plan and the estimate of time and memory, compute nothing
  --workers N             threads computing tiles: this one and N − 1 worker threads (default 0 = one
                          per core; 1 = this thread only)
  --backend B             auto (default) | tensorflow-gpu | tensorflow | webgpu | wasm | cpu; the backend
                          that ran is named on stderr (see ntkw info). On webgpu the tiles run on this
                          thread only: one GPU device per process (--workers is ignored)
  --tile-size T           tile edge (64..8192; default 512, 1024 from 8192 points; with several threads
                          halved down to 256 until each has several tiles)
  --redis URL             compute the tiles on \`ntkw worker\` processes through this Redis
                          (redis://:PASSWORD@HOST:PORT/DB), FC and ARCH.json kernels alike; the file is byte
                          for byte the local one of the same tile size. Prints the run id on stderr; Ctrl-C
                          removes the run's jobs
  --resume RUNID          with --redis: continue that run (same inputs and flags; FC and ARCH.json kernels),
                          reusing its published tiles
  --insecure              with --redis: allow a Redis on another machine without a password
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
    'tile-size': { type: 'string' },
    redis: { type: 'string' },
    resume: { type: 'string' },
    insecure: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  choices: { ...kernelArchFlags.choices, backend: BACKEND_CHOICES },
  load: () => import('../actions/kernel'),
}
