"""Random-feature accuracy on MNIST (docs/performance.md, "Random features: where the accuracy goes"): the bundled
t10k digits, rows 0-3 999 to train and 4 000-4 999 to test, depth-3 ReLU NTK (sigma_w 1.414, sigma_b 0.1), KRR
with eps = 1e-4 * trace/n on one-hot labels, accuracy by argmax. Written for these measurements:
  exact                      the analytic kernel (arc-cosine recursion, float64)
  split M1 M1 M1 S1 S2 S3    a replica of the engine's linear-split map (features/linear-split-features.ts)
                             with m1 hidden features and sketch sizes per layer; --compress C applies a
                             Gaussian JL map to all but the exact x block so that the output has C columns
  nt M0 M1 MS                the construction of neural-tangents' experimental RANDFEAT features (its
                             `feature_dim0`, `feature_dim1`, `sketch_dim` per layer; Dense appends the NNGP
                             features to the NTK ones, so the output has MS + M1 + 1 columns)
usage: python3 rf_accuracy.py exact | split ... | nt ...  [--seeds 0 1 2]"""

import argparse, gzip, os, time
import numpy as np

def load():
    with gzip.open(os.path.join(ROOT, 'resources/examples/mnist/t10k-images-idx3-ubyte.gz')) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float64) / 255
    with gzip.open(os.path.join(ROOT, 'resources/examples/mnist/t10k-labels-idx1-ubyte.gz')) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x[:5000], y[:5000]

SW2 = 1.414 ** 2
SB2 = 0.1 ** 2
L = 3

def exact(x):
    d = x.shape[1]
    s = SW2 * (x @ x.T / d) + SB2
    th = s.copy()
    for _ in range(L):
        q = np.diag(s).copy()
        nq = np.sqrt(np.outer(q, q))
        c = np.clip(s / nq, -1, 1)
        t = np.arccos(c)
        tdot = (np.pi - t) / (2 * np.pi)
        s = nq * (np.sqrt(1 - c * c) + (np.pi - t) * c) / (2 * np.pi)
        s = SW2 * s + SB2
        th = s + SW2 * th * tdot
    return th

def krr(K, y, n, reg=1e-4):
    Y = np.eye(10)[y]
    Ktr = K[:n, :n]
    eps = reg * np.trace(Ktr) / n
    a = np.linalg.solve(Ktr + eps * np.eye(n), Y[:n])
    p = K[n:, :n] @ a
    return (p.argmax(1) == y[n:]).mean()

def fwht(a):
    rows, p = a.shape
    h = 1
    a = a.copy()
    while h < p:
        a = a.reshape(rows, -1, 2, h)
        x0 = a[:, :, 0, :].copy(); x1 = a[:, :, 1, :]
        a[:, :, 0, :] = x0 + x1
        a[:, :, 1, :] = x0 - x1
        a = a.reshape(rows, p)
        h *= 2
    return a

def np2(d):
    p = 1
    while p < d: p *= 2
    return p

def cyc(rng, p, m):
    out = np.empty(m, np.int64)
    for k in range(0, m, p):
        perm = rng.permutation(p)
        out[k:k + min(p, m - k)] = perm[:min(p, m - k)]
    return out

def tsrht(rng, x, y, m):
    d1, d2 = x.shape[1], y.shape[1]
    p1, p2 = np2(d1), np2(d2)
    s1 = rng.choice([-1.0, 1.0], d1); s2 = rng.choice([-1.0, 1.0], d2)
    i1 = cyc(rng, p1, m); i2 = cyc(rng, p2, m)
    hx = np.zeros((x.shape[0], p1), np.float32); hx[:, :d1] = x * s1
    hy = np.zeros((y.shape[0], p2), np.float32); hy[:, :d2] = y * s2
    hx = fwht(hx); hy = fwht(hy)
    return (hx[:, i1] * hy[:, i2] / np.sqrt(m)).astype(np.float32)

def split_features(x, seed, m1s, mss):
    """blocks with weights, as linear-split-features.ts; m1s[l], mss[l] per layer. Returns list of (B, c)."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    al2 = be2 = 0.25; al = be = 0.5
    xs = (x / np.sqrt(d)).astype(np.float32)
    zB = [xs]; ch = [1.0]; hb2 = 0.0
    sk = []; cpZ = []; cpS = []; pb2 = 0.0
    nIn = d
    for l in range(L + 1):
        cz = [SW2 * c for c in ch]
        zb2 = SW2 * hb2 + SB2
        add = cz
        cpZ = [(0 if l == 0 else SW2 * (cpZ[i] if i < len(cpZ) else 0)) + c for i, c in enumerate(add)]
        cpS = [SW2 * c for c in cpS]
        pb2 = (0 if l == 0 else SW2 * pb2) + zb2
        if l == L:
            return list(zip(zB, cpZ)) + list(zip(sk, cpS)), pb2
        m1 = m1s[l]
        z = np.concatenate([B * np.sqrt(c) for B, c in zip(zB, cz)] + [np.full((n, 1), np.sqrt(zb2), np.float32)], 1).astype(np.float32)
        W = rng.standard_normal((z.shape[1], m1), dtype=np.float32)
        u = z @ W
        inv = 1 / np.sqrt(m1)
        sgn = (np.sign(u) * inv).astype(np.float32)
        au = (np.abs(u) * inv).astype(np.float32)
        psi = np.concatenate([B * np.sqrt(c) for B, c in zip(zB + sk, cpZ + cpS)] + [np.full((n, 1), np.sqrt(pb2), np.float32)], 1).astype(np.float32)
        sk.append(tsrht(rng, psi, sgn, mss[l]))
        cpZ = [al2 * c for c in cpZ]
        cpS = [al2 * c for c in cpS] + [be2]
        pb2 = al2 * pb2
        ch = [al2 * c for c in cz] + [be2]
        hb2 = al2 * zb2
        zB.append(au)
        cpZ.append(0.0)
        nIn = 0

def gram(blocks, pb2):
    K = pb2
    for B, c in blocks:
        if c != 0:
            B64 = B.astype(np.float64)
            K = K + c * (B64 @ B64.T)
    return K

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')


def nt_features(x, seed, m0, m1, ms):
    rng = np.random.default_rng(seed)
    n, d = x.shape
    sw, sb = np.sqrt(SW2), np.sqrt(SB2)
    nngp = (x / np.sqrt(d)).astype(np.float32)
    ntk = np.zeros((n, 0), np.float32)

    def dense(nngp, ntk):
        nngp = np.concatenate([sw * nngp, np.full((n, 1), sb, np.float32)], 1)
        return nngp, np.concatenate([sw * ntk, nngp], 1)
    for _ in range(L):
        nngp, ntk = dense(nngp, ntk)
        w0 = rng.standard_normal((nngp.shape[1], m0), dtype=np.float32)
        a = ((nngp @ w0) > 0).astype(np.float32) / np.sqrt(m0)
        w1 = rng.standard_normal((nngp.shape[1], m1), dtype=np.float32)
        nn2 = np.maximum(nngp @ w1, 0) / np.sqrt(m1)
        h = ms // 2
        s1 = rng.choice(np.array([-1, 1], np.float32), ntk.shape[1]); i1 = rng.integers(0, ntk.shape[1], h)
        s2 = rng.choice(np.array([-1, 1], np.float32), m0); i2 = rng.integers(0, m0, h)
        p = np.fft.fft(ntk * s1, axis=1)[:, i1] * np.fft.fft(a * s2, axis=1)[:, i2] / np.sqrt(h)
        ntk = np.concatenate([p.real, p.imag], 1).astype(np.float32)
        nngp = nn2.astype(np.float32)
    return dense(nngp, ntk)[1]


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['exact', 'split', 'nt'])
    ap.add_argument('sizes', type=int, nargs='*')
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--compress', type=int, default=0)
    a = ap.parse_args()
    x, y = load()
    ke = exact(x)
    if a.mode == 'exact':
        print('exact', krr(ke, y, 4000))
        raise SystemExit
    accs = []
    for s in a.seeds:
        if a.mode == 'nt':
            f = nt_features(x, s, *a.sizes).astype(np.float64)
            k = f @ f.T
            dim = f.shape[1]
        else:
            blocks, pb2 = split_features(x, s, a.sizes[:3], a.sizes[3:6])
            dim = sum(b.shape[1] for b, c in blocks) + 1
            if a.compress:
                rest = np.concatenate([b * np.sqrt(c) for b, c in blocks[1:]], 1)
                w = a.compress - blocks[0][0].shape[1] - 1
                g = np.random.default_rng(1000 + s).standard_normal((rest.shape[1], w), dtype=np.float32) / np.sqrt(w)
                blocks, dim = [blocks[0], (rest @ g, 1.0)], a.compress
            k = gram(blocks, pb2)
        err = np.linalg.norm(k - ke) / np.linalg.norm(ke)
        accs.append(krr(k, y, 4000))
        print(f'{a.mode} {a.sizes} seed {s}: {dim} features, kernel error {err:.4f}, accuracy {accs[-1]:.4f}', flush=True)
    print('mean accuracy', np.mean(accs))
