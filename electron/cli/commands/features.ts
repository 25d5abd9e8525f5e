import path from 'node:path'
import type { JobSpecInput } from '../../../shared/index'
import { UserError } from '../../../shared/errors'
import { ACTIVATIONS, activationFlag, inputFile as input, int, number as num, oneOf, str } from '../flags'
import { DirArtifactSink } from '../../engine/jobs/dir-sink'
import type { FeaturesJobResult } from '../../engine/jobs/kinds/features'
import type { CliCommand } from '../command'
import { runJobForCli } from '../job-runner'

const USAGE_LINE = 'Usage: ntkw features --x X.npy --depth L --activation A --method rf|nystrom --features M --out F.npy'

export const featuresCommand: CliCommand = {
  name: 'features',
  summary: 'feature map Φ with ΦΦᵀ ≈ NTK/NNGP (random features + TensorSRHT, or Nyström), NPY in, NPY out',
  usage: `Usage: ntkw features --x X.npy --depth L --activation A [--w-std S] [--b-std B] [--kind ntk|nngp]
                     --method rf|nystrom --features M [--seed N] --out F.npy

Writes Φ (float32, n × m′) whose inner products approximate the infinite-width kernel of
L × (Dense → activation) → Dense: ΦΦᵀ ≈ K(X, X). Memory and time grow like n·m instead of n².
  rf        random features (Zandieh et al., NeurIPS 2021): per layer φ(x·W)/√m₁ and φ′(x·W)/√m₁ with
            Gaussian W, the NTK's products sketched by TensorSRHT on a fast Walsh–Hadamard transform.
            Unbiased with one hidden layer; exact in expectation up to O(1/m) deeper. m′ = M.
  nystrom   Nyström with M landmarks drawn from X (all rows when M ≥ n): Φ = K(X, L) V w^(−½), exact on
            the landmarks; any activation. m′ ≤ M (directions below 1e-6 of the top eigenvalue dropped).
The same --seed gives the same map: features of other points computed with the same flags are
compatible only for rf (Nyström's landmarks come from X).

Options:
  --x X.npy           points, float32 or float64, shape [n, d]
  --depth L           number of hidden Dense+activation pairs
  --activation A      ${ACTIVATIONS}
  --w-std S           weight standard deviation σ_w (default 1)
  --b-std B           bias standard deviation σ_b (omitted: no bias)
  --kind K            ntk (default) or nngp
  --method M          rf or nystrom
  --features M        feature dimension (rf) or number of landmarks (nystrom), e.g. 4096
  --seed N            seed of the random map / landmark choice (default 0)
  --out F.npy         output file, float32 [n, m′]
  --workers N         worker threads for Nyström's kernels (default 0 = one per core)
  --quiet             no progress on stderr

Prints the path of the written file on stdout and the feature dimension m′ on stderr.
`,
  options: {
    x: { type: 'string' },
    depth: { type: 'string' },
    activation: { type: 'string' },
    'w-std': { type: 'string' },
    'b-std': { type: 'string' },
    kind: { type: 'string' },
    method: { type: 'string' },
    features: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    workers: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run({ values, io }) {
    const x = input('x', str(values.x), USAGE_LINE)
    const depth = num('depth', str(values.depth), int(0, 64), 'an integer 0..64', '2')
    if (depth === undefined) throw new UserError('usage', '--depth is required', 'e.g. --depth 2 (two hidden Dense+activation pairs, then the readout)')
    const activation = activationFlag(str(values.activation))
    const wStd = num('w-std', str(values['w-std']), (n) => n > 0, 'a positive number', '1.414') ?? 1
    const bStd = num('b-std', str(values['b-std']), (n) => n >= 0, 'a number ≥ 0', '0.1') ?? null
    const kind = oneOf('kind', str(values.kind), ['ntk', 'nngp'] as const, 'ntk')
    if (str(values.method) === undefined) throw new UserError('usage', '--method is required', 'rf (random features) or nystrom (landmarks)')
    const method = oneOf('method', str(values.method), ['rf', 'nystrom'] as const, 'rf')
    const features = num('features', str(values.features), int(4, 1 << 16), 'an integer 4..65536', '4096')
    if (features === undefined) throw new UserError('usage', '--features is required', 'e.g. --features 4096 (rf) or --features 1000 (nystrom landmarks)')
    const seed = num('seed', str(values.seed), int(0, 2 ** 31 - 1), 'an integer ≥ 0', '0') ?? 0
    const workers = num('workers', str(values.workers), int(0, 64), 'an integer 0..64', '1') ?? 0
    if (str(values.out) === undefined) throw new UserError('usage', '--out is required', 'e.g. --out features.npy')
    const out = path.resolve(str(values.out)!)

    const spec: JobSpecInput = {
      kind: 'features',
      seed,
      x: { type: 'npy', path: x },
      arch: { depth, activation, wStd, bStd },
      kernel: kind,
      method,
      features,
      workers,
    }
    const sink = new DirArtifactSink(path.dirname(out), { features: out })
    const done = await runJobForCli(io, spec, { label: `features ${method} ${kind}`, quiet: Boolean(values.quiet), artifacts: sink })
    if (!done) return 130
    const r = done.result as FeaturesJobResult
    io.err(`Φ: ${r.n} × ${r.dim} (${method}, ${kind}, requested ${r.requested}, seed ${r.seed}), ${r.seconds.toFixed(1)} s\n`)
    io.out(`${sink.written.find((a) => a.name === 'features')?.path ?? out}\n`)
    return 0
  },
}
