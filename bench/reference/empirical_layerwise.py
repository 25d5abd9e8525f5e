"""Reference for `npm run bench -- vs-reference`: the empirical NTK (trace over one output) of a random
DEPTH x (Dense WIDTH -> ReLU) -> Dense(1) network in the NTK parameterization, by the layerwise identity
Theta = sum_l (delta_l delta_l^T) * (h_{l-1} h_{l-1}^T) / fan_in_l, in numpy float32, as a whole process
(read X.npy, write the float32 kernel). Written for this benchmark.
usage: python3 empirical_layerwise.py X.npy OUT.npy DEPTH WIDTH SEED"""
import sys
import numpy as np

x = np.load(sys.argv[1]).astype(np.float32)
out, depth, width, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rng = np.random.default_rng(seed)
dims = [x.shape[1]] + [width] * depth + [1]
ws = [rng.standard_normal((dims[i], dims[i + 1]), dtype=np.float32) for i in range(depth + 1)]
hs, us = [x], []
for i in range(depth):
    u = hs[-1] @ ws[i] / np.sqrt(dims[i], dtype=np.float32)
    us.append(u)
    hs.append(np.maximum(u, 0))
n = x.shape[0]
theta = np.zeros((n, n), np.float32)
delta = np.ones((n, 1), np.float32)            # df/d(pre-activation) of the readout
for i in range(depth, -1, -1):
    h = hs[i]
    theta += (delta @ delta.T) * (h @ h.T) / dims[i]
    if i > 0:
        delta = (delta @ ws[i].T / np.sqrt(dims[i], dtype=np.float32)) * (us[i - 1] > 0)
np.save(out, theta)
