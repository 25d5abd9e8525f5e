import { statSync, type Stats } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { webcrypto } from 'node:crypto'
import path from 'node:path'
import { npyDataBuffer, npyDataBytes, npyHeaderLength, parseNpyHeader } from './npy'

// An .npy file read ahead of its use, off this thread: its data is read into a buffer of its own and the
// whole file hashed (SHA-256) on libuv's thread pool, so that reading, hashing and the page faults of the
// new memory (≈ 3 ms per MiB on these machines) happen on another core while this one is busy, e.g.
// loading the engine (`ntkw empirical` reads X ahead). readNpyMatrixHashed takes the result only when the
// file's size, modification time and inode are still those it was read with; otherwise it reads the file
// as always. The result is that of reading it then: the same bytes, the same hash.

/** files above this size are not read ahead (their data would be held twice while it is hashed) */
const AHEAD_MAX_BYTES = 64 * 2 ** 20

export interface NpyAhead {
  /** the header bytes (everything before the data) and the data, each in its own buffer */
  head: Uint8Array
  body: Uint8Array
  /** SHA-256 of every byte of the file, hex */
  hash: string
  size: number
}

interface Read extends NpyAhead {
  stat: Pick<Stats, 'size' | 'mtimeMs' | 'ino' | 'dev'>
}

const ahead = new Map<string, Promise<Read | null>>()

/**
 * Starts reading `file` ahead; resolves when that read is over (whatever its outcome). Never throws or rejects:
 * a file it cannot read (or that is no .npy) is read when it is used, with that read's errors.
 */
export async function readNpyAhead(file: string): Promise<void> {
  const key = path.resolve(file)
  if (ahead.has(key)) return
  const read = (async (): Promise<Read | null> => {
    let fh: FileHandle | null = null
    try {
      fh = await open(key, 'r')
      const stat = await fh.stat()
      if (stat.size > AHEAD_MAX_BYTES || stat.size < 12) return null
      const lead = new Uint8Array(12)
      await readAll(fh, lead, 0)
      const head = new Uint8Array(npyHeaderLength(lead))
      if (head.length > stat.size) return null
      await readAll(fh, head, 0)
      const need = npyDataBytes(parseNpyHeader(head, key))
      if (head.length + need > stat.size) return null
      const body = npyDataBuffer(need)
      await readAll(fh, body, head.length)
      // the hash covers the whole file; its copy is dropped once digested
      const whole = new Uint8Array(stat.size)
      await readAll(fh, whole, 0)
      const hash = Buffer.from(await webcrypto.subtle.digest('SHA-256', whole)).toString('hex')
      const after = await fh.stat()
      if (!sameFile(stat, after)) return null
      return { head, body, hash, size: stat.size, stat }
    } catch {
      return null
    } finally {
      await fh?.close().catch(() => {})
    }
  })()
  ahead.set(key, read)
  await read
}

/** what readNpyAhead read of `file`, once, if the file is still as it was read; else null */
export async function takeNpyAhead(file: string): Promise<NpyAhead | null> {
  const key = path.resolve(file)
  const pending = ahead.get(key)
  if (!pending) return null
  ahead.delete(key)
  const read = await pending
  if (!read) return null
  try {
    return sameFile(read.stat, statSync(key)) ? read : null
  } catch {
    return null
  }
}

function sameFile(a: Read['stat'], b: Read['stat']): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev
}

async function readAll(fh: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let got = 0; got < into.length; ) {
    const { bytesRead } = await fh.read(into, got, into.length - got, position + got)
    if (bytesRead === 0) throw new Error('the file ended early')
    got += bytesRead
  }
}
