import { closeSync, openSync, readSync } from 'node:fs'
import path from 'node:path'
import { parseNpyHeader } from '../engine/io/npy'

/** The shape in an .npy file's header (reads at most its first 64 KiB). */
export function npyShape(file: string): number[] {
  const fd = openSync(file, 'r')
  try {
    const head = Buffer.alloc(65536)
    const got = readSync(fd, head, 0, head.length, 0)
    return parseNpyHeader(new Uint8Array(head.buffer, head.byteOffset, got), path.basename(file)).shape
  } finally {
    closeSync(fd)
  }
}
