import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// A Gram worker terminated inside ONNX Runtime's GEMM aborted the whole process (a cancelled `ntkw predict
// --approx rf` on a primal solve: 10 of 20 before electron/engine/core/threads.ts). Disposing an accumulation
// now ends its worker after the band in hand. The worker now runs with tfjs's GEMM only (with MLAS one thread
// computes each band on every core), where the same ending keeps cancel prompt and leaves no thread behind.
// Run in a child process: an abort is a result to assert on.
const root = fileURLToPath(new URL('../../..', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/gram-dispose.ts', import.meta.url))

describe('disposing a Gram accumulation whose worker is inside a band', () => {
  it('never aborts the process, leaves no thread, and the next two-thread sum is the one-thread bytes', () => {
    const runs = 12
    const r = spawnSync(process.execPath, ['--import', 'tsx', fixture, String(runs), '2048', '1024'], { cwd: root, encoding: 'utf8', timeout: 300_000 })
    expect(r.stderr).not.toMatch(/terminate called|Napi::Error/)
    expect(r.signal).toBeNull()
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { runs: number; withWorker: number; afterDispose: number; sameBytes: boolean; threadsLeft: number }
    expect(out).toEqual({ runs, withWorker: runs, afterDispose: 0, sameBytes: true, threadsLeft: 0 })
  })
})
