import type { CliCommand } from '../command'
import { ArchFlagSet, REDIS_JOB_HELP, REDIS_JOB_OPTIONS, TRAIN_TEST_OPTIONS } from '../flags'

export const predictArchFlags = new ArchFlagSet({ kindFlag: 'kind', archFile: true })

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'infinite-width NTK/NNGP predictions (gradient flow at times t, or t = ∞ with GP variance)',
  usage: `Usage: ntkw predict --x-train A.npy --y-train Y.npy --x-test B.npy --depth L --activation A [--w-std S]
                    [--b-std B] [--kind ntk|nngp] [--t T[,T2,...]] [--lr ETA] [--diag-reg R]
                    [--out P.npy] [--var V.npy] [--approx rf|nystrom|auto --features M [--seed N]]
                    [--redis URL [--insecure]]
       ntkw predict --x-train A.npy --y-train Y.npy --x-test B.npy --arch ARCH.json [--w-std S] [--b-std B] [...]

Predicts the outputs on B of the infinite-width network L × (Dense → activation) → Dense (or the
convolutional network of ARCH.json, see ntkw kernel --help) trained by
full-batch gradient flow on the MSE loss (neural-tangents gradient_descent_mse conventions,
f₀ = 0: the infinite-ensemble mean). Without --t: t = ∞, solved by Cholesky with float64 refinement.
With --approx the kernel is replaced by ΦΦᵀ of a feature map (see ntkw features) and the regression
runs in feature space: O(n·m²) time and O(n·m) memory instead of O(n³) and O(n²), same conventions
(ε = R · trace(ΦΦᵀ)/n, time normalised by n·K), same outputs.

Options:
  --x-train A.npy     training points [n, d], float32 or float64
  --y-train Y.npy     training targets [n] (one output) or [n, K]
  --x-test B.npy      test points [m, d]
${predictArchFlags.help(20)}
  --t T[,T2,...]      training times; several give an output of shape [times, m, K]
  --lr ETA            learning rate η (default 1); time is normalised by n·K as in neural-tangents
  --diag-reg R        relative regularisation: ε = R · trace(K)/n added to the diagonal (default 0)
  --out P.npy         predictions, float32 [m, K] (default predictions.npy in the working directory)
  --var V.npy         also write the GP predictive variance K** − K*ᵀ(K + εI)⁻¹K* [m] (t = ∞ only)
  --y-test YT.npy     test targets: report test MSE and accuracy on stderr
  --approx M          rf (random features + TensorSRHT), nystrom (landmarks from the training points), or
                      auto: the exact kernel where it is estimated cheaper, else rf (time, and memory
                      first; never rf with m′ within 2× of n while the exact kernel fits: the feature
                      regression peaks there; prints which and why; the crossover is in docs/performance.md)
  --features M        feature dimension (rf) or landmarks (nystrom); needed with --approx. rf warns when
                      m′ is within 2× of n (interpolation peak: far below the exact kernel's accuracy)
  --seed N            seed of the approximate map (default 0)
${REDIS_JOB_HELP(22, 'compute the train and test×train kernel tiles')}
  --quiet             no progress on stderr

Prints the paths of the written files on stdout.
On Linux the command runs in a child process started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, so its
large matrices get huge pages (0.7× the time of an n = 4 000 predict on a VM; see ntkw info --help);
NTKW_HUGEPAGES=0, or any glibc.malloc.hugetlb setting of your own, runs it in this process.
`,
  options: {
    ...TRAIN_TEST_OPTIONS,
    ...predictArchFlags.options,
    t: { type: 'string' },
    lr: { type: 'string' },
    'diag-reg': { type: 'string' },
    out: { type: 'string' },
    var: { type: 'string' },
    approx: { type: 'string' },
    features: { type: 'string' },
    seed: { type: 'string' },
    ...REDIS_JOB_OPTIONS,
    quiet: { type: 'boolean' },
  },
  choices: predictArchFlags.choices,
  load: () => import('../actions/predict'),
}
