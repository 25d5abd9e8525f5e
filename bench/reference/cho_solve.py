"""Reference for `npm run bench -- vs-reference`: kernel ridge regression's solve (K + eps I) a = y in float64
with scipy's Cholesky (cho_factor + cho_solve), eps = diag_reg * trace(K) / n as `ntkw predict`. Prints
{"seconds": ...} of the factor and solve (best of REPEATS), and the residual.
usage: python3 cho_solve.py K.npy Y.npy DIAG_REG REPEATS"""
import json, sys, time
import numpy as np
from scipy.linalg import cho_factor, cho_solve

k = np.load(sys.argv[1]).astype(np.float64)
y = np.load(sys.argv[2]).astype(np.float64)
reg, repeats = float(sys.argv[3]), int(sys.argv[4])
n = k.shape[0]
a = k + (reg * np.trace(k) / n) * np.eye(n)
best = float('inf')
for _ in range(repeats):
    t = time.perf_counter()
    sol = cho_solve(cho_factor(a, lower=True), y)
    best = min(best, time.perf_counter() - t)
res = np.linalg.norm(a @ sol - y) / np.linalg.norm(y)
print(json.dumps({"seconds": best, "relResidual": float(res)}))
