"""Reference for `npm run bench -- vs-reference`: the depth-L ReLU NTK of `ntkw kernel` (NTK parameterization,
sigma_w = 1, no bias; neural-tangents conventions, docs/math.md section 1) in numpy float64, as a whole
process: read X.npy, compute, write the float32 kernel. Written for this benchmark (arc-cosine recursion of
Cho & Saul 2009 / Jacot et al. 2018), not taken from any library.
usage: python3 ntk_fc.py X.npy OUT.npy DEPTH"""
import sys
import numpy as np

x = np.load(sys.argv[1]).astype(np.float64)
out, depth = sys.argv[2], int(sys.argv[3])
d = x.shape[1]
s = x @ x.T / d            # Sigma^0
q = np.diag(s).copy()      # q^0 = |x|^2 / d
theta = s.copy()           # first Dense: Theta = Sigma
for _ in range(depth):
    nq = np.sqrt(np.outer(q, q))
    c = np.clip(s / nq, -1.0, 1.0)
    t = np.arccos(c)
    tdot = (np.pi - t) / (2 * np.pi)                       # T'(Sigma)
    s = nq * (np.sqrt(1 - c * c) + (np.pi - t) * c) / (2 * np.pi)   # T(Sigma)
    q = q / 2
    theta = s + theta * tdot                               # Dense after the activation
np.save(out, theta.astype(np.float32))
