import type { CliCommand } from '../command'
import { ArchFlagSet, REDIS_JOB_HELP, REDIS_JOB_OPTIONS } from '../flags'

export const empiricalArchFlags = new ArchFlagSet({
  width: 'required',
  parameterization: true,
  archFile: true,
  archHelp: 'the network as ARCH.json (conv2d stride 1 same|valid, avgpool2d, globalavgpool, flatten, dense, activation, readout) with its filters and units as the finite widths, NTK parameterization; replaces --depth/--width/--activation. Flat rows are reshaped by its "input" [h, w, c]; (n, h, w, c) NPY is read as is',
})

export const empiricalCommand: CliCommand = {
  name: 'empirical',
  summary: 'empirical (finite-width) NTK of randomly initialised networks, NPY in, NPY out',
  usage: `Usage: ntkw empirical --x X.npy [--x2 X2.npy] --depth L --width W --activation A [--w-std S] [--b-std B]
                      [--seed N] [--samples M] [--out K.npy] [--redis URL [--insecure]]
       ntkw empirical --x X.npy [--x2 X2.npy] --arch ARCH.json [--w-std S] [--b-std B] [--seed N]
                      [--samples M] [--out-dim K] [--out K.npy] [--redis URL [--insecure]]

Computes Θ̂(x, x2) = Σ_p ∂f(x)/∂p ∂f(x2)/∂p of finite networks L × (Dense → activation) → Dense readout,
or of the network in ARCH.json (convolutions with the file's filters, pooling, dense layers with its
units), in the NTK parameterization (weights N(0, 1), scaled by σ_w/√fan-in), averaged over M
independently initialised networks. FC networks by the layerwise identity (no per-example Jacobians);
ARCH.json networks layer by layer (a conv layer's per-example weight Jacobian is built a chunk of filters
at a time). As the channels grow the kernel converges to \`ntkw kernel --arch\` of the same file.

Options:
  --x X.npy               points, float32 or float64, shape [n, d]
  --x2 X2.npy             second point set [m, d] (kernel is n × m); default: X itself
${empiricalArchFlags.help(24)}
  --seed N                seed of the first network (default 0); the same seed gives the same kernel
  --samples M             Monte-Carlo average over M networks (default 1)
  --out K.npy             output file (default kernel.npy in the working directory); float32 [n, m]
  --out-dim K             number of output units of the readout (default 1); the kernel is their average
${REDIS_JOB_HELP(26, 'compute the M networks (one queue job each)')}
  --quiet                 no progress on stderr

Prints the path of the written file on stdout.
`,
  options: {
    x: { type: 'string' },
    x2: { type: 'string' },
    ...empiricalArchFlags.options,
    seed: { type: 'string' },
    samples: { type: 'string' },
    out: { type: 'string' },
    'out-dim': { type: 'string' },
    ...REDIS_JOB_OPTIONS,
    quiet: { type: 'boolean' },
  },
  choices: empiricalArchFlags.choices,
  load: () => import('../actions/empirical'),
}
