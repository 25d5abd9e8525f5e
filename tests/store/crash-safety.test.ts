import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { openProject } from '../../electron/engine/store/project-db'
import { tempDir } from '../helpers/tmp'

const writer = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url))

/** Starts the writer, waits until it has committed at least once, kills it at a random moment. */
async function writeThenKill(file: string, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, file], { stdio: ['ignore', 'pipe', 'inherit'] })
  let last = -1
  let buf = ''
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    const lines = buf.split('\n')
    buf = lines.pop()!
    for (const l of lines) last = Number(l.split(' ')[1])
  })
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (last >= 0) {
        clearInterval(poll)
        setTimeout(resolve, delayMs)
      }
    }, 5)
  })
  const exited = new Promise((r) => child.on('exit', r))
  child.kill('SIGKILL')
  await exited
  return last
}

describe('crash safety of the project file', () => {
  it('always reopens with the last committed state after SIGKILL mid-write (25 kills)', async () => {
    const tmp = tempDir()
    const file = path.join(tmp.dir, 'crash.ntkw')
    let seed = 12345
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    try {
      for (let round = 0; round < 25; round++) {
        const acknowledged = await writeThenKill(file, Math.floor(rand() * 120))
        const p = openProject(file)
        try {
          expect(p.db.pragma('integrity_check', { simple: true })).toBe('ok')
          const count = (p.db.prepare('SELECT COUNT(*) AS c FROM runs').get() as { c: number }).c
          // Everything the writer saw committed is there; at most one more commit raced the kill.
          expect(count).toBeGreaterThanOrEqual(acknowledged)
          expect(count).toBeLessThanOrEqual(acknowledged + 1)
          // Transactions are all-or-nothing: every stored run has all 50 metrics and its final state.
          const partial = p.db
            .prepare("SELECT COUNT(*) AS c FROM runs r WHERE r.state != 'succeeded' OR (SELECT COUNT(*) FROM metrics m WHERE m.run_id = r.id) != 50")
            .get() as { c: number }
          expect(partial.c).toBe(0)
        } finally {
          p.close()
        }
      }
    } finally {
      tmp.cleanup()
    }
  }, 180_000)
})
