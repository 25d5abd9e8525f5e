import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { writeNpy } from '../../../electron/engine/io/npy'
import { mulberry32 } from '../../helpers/prng'
import { tempDir } from '../../helpers/tmp'

// A worker thread terminated inside ONNX Runtime's GEMM aborted the whole process ("terminate called after
// throwing an instance of 'Napi::Error'"); cancelled and failed runs now end their threads after the tile in
// hand (electron/engine/core/threads.ts). These run in child processes: an abort there is a result to assert
// on, not the end of the test run.
const root = fileURLToPath(new URL('../../..', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/cancel-kernels.ts', import.meta.url))
const tmp = tempDir('ntkw-cancel-threads-')
afterAll(() => tmp.cleanup())

describe('cancelling runs whose worker threads are inside a tile', () => {
  it('in one long-lived process: every run ends cancelled, no abort, no tile after the cancel, no thread left', () => {
    const runs = 12
    const r = spawnSync(process.execPath, ['--import', 'tsx', fixture, String(runs), '3000', '2048'], { cwd: root, encoding: 'utf8', timeout: 300_000 })
    expect(r.stderr).not.toMatch(/terminate called|Napi::Error/)
    expect(r.signal).toBeNull()
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ended: Record<string, number>; lateTiles: number; tensorsBefore: number; tensorsAfter: number; sameBytes: boolean; threadsLeft: number }
    expect(out.ended).toEqual({ 'cancelled: cancelled': runs, 'overflow: non_finite': 1 })
    expect(out.lateTiles).toBe(0)
    expect(out.tensorsAfter).toBe(out.tensorsBefore)
    expect(out.sameBytes).toBe(true)
    expect(out.threadsLeft).toBe(0)
  })

  it('ntkw kernel on Ctrl-C: exit 130 with the cancel message, no output file, no abort', async () => {
    const n = 6000
    const d = 2048
    const rand = mulberry32(3)
    const x = new Float32Array(n * d)
    for (let i = 0; i < x.length; i++) x[i] = rand() - 0.5
    writeNpy(path.join(tmp.dir, 'x.npy'), x, [n, d])
    let cancelled = 0
    // SIGINT when the first progress line appears, then later into the run, while the worker computes
    for (const delay of [0, 300, 600]) {
      const out = path.join(tmp.dir, `k-${delay}.npy`)
      const child = spawn(process.execPath, [path.join(root, 'bin/ntkw.js'), 'kernel', '--x', 'x.npy', '--depth', '3', '--activation', 'relu', '--workers', '2', '--out', out], { cwd: tmp.dir, stdio: ['ignore', 'ignore', 'pipe'] })
      let err = ''
      child.stderr.on('data', (b: Buffer) => {
        const first = !/\d+%/.test(err)
        err += b.toString()
        if (first && /\d+%/.test(err)) setTimeout(() => child.kill('SIGINT'), delay)
      })
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])))
      expect(err).not.toMatch(/terminate called|Napi::Error/)
      expect(signal).toBeNull()
      if (code === 0) {
        // finished before the signal was handled: the whole kernel is there
        expect(existsSync(out)).toBe(true)
        continue
      }
      expect(code).toBe(130)
      expect(err).toMatch(/\ncancelled\n/)
      expect(existsSync(out)).toBe(false)
      cancelled++
    }
    expect(cancelled).toBeGreaterThan(0)
  })
})
