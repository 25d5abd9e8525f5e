import type { CliCommand } from '../command'
import { ArchFlagSet } from '../flags'

export const featuresArchFlags = new ArchFlagSet({ kindFlag: 'kind' })

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
${featuresArchFlags.help(20)}
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
    ...featuresArchFlags.options,
    method: { type: 'string' },
    features: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    workers: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  choices: featuresArchFlags.choices,
  load: () => import('../actions/features'),
}
