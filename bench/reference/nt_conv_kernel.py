#!/usr/bin/env python3
"""neural-tangents' jit-compiled kernel_fn for a CNN, float32, timed in-process (the bench's reference).

Usage: nt_conv_kernel.py X.npy ARCH_W_STD B_STD  (3 × [Conv 3×3 SAME → ReLU], Flatten, Dense; NNGP+NTK of X
with itself). Prints one JSON line: compile+first call seconds, then the median of two further calls.
neural_tangents must be importable (pip, or a source checkout on PYTHONPATH).
"""
import json, sys, time
import numpy as np
import jax
from neural_tangents import stax

x = np.load(sys.argv[1]).astype(np.float32)
w, b = float(sys.argv[2]), float(sys.argv[3])
layers = []
for _ in range(3):
    layers += [stax.Conv(1, (3, 3), padding='SAME', W_std=w, b_std=b), stax.Relu()]
kfn = jax.jit(stax.serial(*layers, stax.Flatten(), stax.Dense(1, W_std=w, b_std=b))[2], static_argnames=('get',))
t0 = time.perf_counter()
jax.block_until_ready(kfn(x, None, get=('nngp', 'ntk')))
first = time.perf_counter() - t0
runs = []
for _ in range(2):
    t0 = time.perf_counter()
    k = kfn(x, None, get=('nngp', 'ntk'))
    jax.block_until_ready(k)
    runs.append(time.perf_counter() - t0)
print(json.dumps({'firstS': first, 'steadyS': sorted(runs)[0], 'runsS': runs, 'jax': jax.__version__, 'dtype': str(k.ntk.dtype)}))
