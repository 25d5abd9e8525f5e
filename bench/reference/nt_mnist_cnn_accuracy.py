#!/usr/bin/env python3
"""Kernel regression accuracy of neural-tangents' CNN kernel on an MNIST split (the issue-19 accuracy floor).

Usage: nt_mnist_cnn_accuracy.py X_TRAIN.npy Y_TRAIN.npy X_TEST.npy Y_TEST.npy [KIND]
3 × [Conv 3×3 SAME (W_std √2, b_std 0.1) → ReLU], Flatten, Dense(√2, 0.1); KIND ntk (default) or nngp.
t = ∞ prediction K(x*, X)(K + εI)⁻¹ y with ε = 1e-4 · trace(K)/n (neural-tangents' relative diag_reg), in
float64; the kernel in float32 (jit), computed in blocks of 100 × 100 points to bound memory. Also the FC
kernel (3 × Dense → ReLU, same σ) on the same split. Prints one JSON line.
"""
import json, sys
import numpy as np
import jax
from neural_tangents import stax

xtr, ytr, xte, yte = (np.load(f) for f in sys.argv[1:5])
kind = sys.argv[5] if len(sys.argv) > 5 else 'ntk'
W, B = float(np.sqrt(2.0)), 0.1
xtr = xtr.reshape(len(xtr), 28, 28, 1).astype(np.float32)
xte = xte.reshape(len(xte), 28, 28, 1).astype(np.float32)
conv = []
for _ in range(3):
    conv += [stax.Conv(1, (3, 3), padding='SAME', W_std=W, b_std=B), stax.Relu()]
cnn = jax.jit(stax.serial(*conv, stax.Flatten(), stax.Dense(1, W_std=W, b_std=B))[2], static_argnames=('get',))
fc_layers = []
for _ in range(3):
    fc_layers += [stax.Dense(1, W_std=W, b_std=B), stax.Relu()]
fc = jax.jit(stax.serial(stax.Flatten(), *fc_layers, stax.Dense(1, W_std=W, b_std=B))[2], static_argnames=('get',))


def blocks(kfn, a, b, bs=100):
    out = np.zeros((len(a), len(b)))
    for i in range(0, len(a), bs):
        for j in range(0, len(b), bs):
            out[i:i + bs, j:j + bs] = np.asarray(kfn(a[i:i + bs], b[j:j + bs], get=kind))
    return out


def accuracy(kfn):
    ktt = blocks(kfn, xtr, xtr)
    kst = blocks(kfn, xte, xtr)
    eps = 1e-4 * np.trace(ktt) / len(ktt)
    pred = kst @ np.linalg.solve(ktt + eps * np.eye(len(ktt)), ytr.astype(np.float64))
    return float((pred.argmax(1) == yte.argmax(1)).mean())


print(json.dumps({'kind': kind, 'cnn': accuracy(cnn), 'fc': accuracy(fc), 'nTrain': len(xtr), 'nTest': len(xte), 'jax': jax.__version__}))
