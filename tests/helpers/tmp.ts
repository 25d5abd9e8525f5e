import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** A fresh temp folder removed after the test file. */
export function tempDir(prefix = 'ntkw-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 30_000, stepMs = 10): Promise<T> {
  const start = Date.now()
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, stepMs))
  }
}
