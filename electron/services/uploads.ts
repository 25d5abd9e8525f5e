import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { UserError } from '../../shared/errors'
import { isModelFile, type UploadBegin } from '../../shared/uploads'

// Bytes of files dropped in a browser, written to a private temporary folder until they are imported.
// Chunks must arrive in order (offset = bytes received), so a file is complete when its size is reached;
// at most MAX_OPEN uploads at once, each removed on cancel, after its import job ends, on dispose, or when
// no chunk arrived for IDLE_MS, swept when the next upload begins (a tab closed mid-upload must not hold
// its bytes, or one of the MAX_OPEN places, until the server stops).

const MAX_OPEN = 4
const IDLE_MS = 15 * 60_000

interface Upload {
  id: string
  purpose: UploadBegin['purpose']
  dir: string
  files: { path: string; size: number; received: number }[]
  lastSeen: number
}

export class UploadStore {
  private readonly open = new Map<string, Upload>()
  private root: string | null = null

  constructor(private readonly now: () => number = Date.now) {}

  begin(b: UploadBegin): { uploadId: string } {
    for (const u of [...this.open.values()]) if (this.now() - u.lastSeen > IDLE_MS) this.cancel(u.id)
    if (this.open.size >= MAX_OPEN) throw new UserError('busy', `${MAX_OPEN} uploads are already in progress`, 'Wait for one to finish, or cancel one.')
    this.root ??= mkdtempSync(path.join(os.tmpdir(), 'ntkw-uploads-'))
    const id = randomUUID()
    const dir = path.join(this.root, id)
    mkdirSync(dir)
    const u: Upload = { id, purpose: b.purpose, dir, files: b.files.map((f) => ({ path: f.path, size: f.size, received: 0 })), lastSeen: this.now() }
    for (const f of u.files) {
      const to = this.target(u, f.path)
      mkdirSync(path.dirname(to), { recursive: true })
      closeSync(openSync(to, 'w'))
    }
    this.open.set(id, u)
    return { uploadId: id }
  }

  chunk(uploadId: string, file: number, offset: number, data: Uint8Array): { received: number } {
    const u = this.get(uploadId)
    u.lastSeen = this.now()
    const f = u.files[file]
    if (!f) throw new UserError('bad_upload', `this upload has ${u.files.length} files, not ${file + 1}`)
    if (offset !== f.received) throw new UserError('bad_upload', `${f.path}: a chunk at byte ${offset} arrived after ${f.received} bytes`, 'Send the chunks of a file in order.')
    if (f.received + data.byteLength > f.size) throw new UserError('bad_upload', `${f.path}: more bytes than the ${f.size} announced`)
    const fd = openSync(this.target(u, f.path), 'r+')
    try {
      let done = 0
      while (done < data.byteLength) done += writeSync(fd, data, done, data.byteLength - done, offset + done)
    } finally {
      closeSync(fd)
    }
    f.received += data.byteLength
    return { received: f.received }
  }

  /** The complete upload's path to import (the model file of a model drop, the single file, or the folder) and its purpose; the upload is closed. */
  finish(uploadId: string): { path: string; dir: string; purpose: Upload['purpose'] } {
    const u = this.get(uploadId)
    const short = u.files.find((f) => f.received !== f.size)
    if (short) throw new UserError('bad_upload', `${short.path}: ${short.received} of ${short.size} bytes arrived`, 'Drop the file again.')
    this.open.delete(uploadId)
    const tops = new Set(u.files.map((f) => f.path.split('/')[0]!))
    const model = u.purpose === 'model' ? u.files.find((f) => isModelFile(path.posix.basename(f.path))) : undefined
    const pick = model ? this.target(u, model.path) : u.files.length === 1 ? this.target(u, u.files[0]!.path) : tops.size === 1 ? path.join(u.dir, [...tops][0]!) : u.dir
    return { path: pick, dir: u.dir, purpose: u.purpose }
  }

  cancel(uploadId: string): void {
    const u = this.open.get(uploadId)
    if (!u) return
    this.open.delete(uploadId)
    rmSync(u.dir, { recursive: true, force: true })
  }

  /** removes a finished upload's folder (its import has read it) */
  remove(dir: string): void {
    if (this.root && path.dirname(dir) === this.root) rmSync(dir, { recursive: true, force: true })
  }

  dispose(): void {
    this.open.clear()
    if (this.root) rmSync(this.root, { recursive: true, force: true })
    this.root = null
  }

  private get(id: string): Upload {
    const u = this.open.get(id)
    if (!u) throw new UserError('not_found', 'no such upload in progress (finished, cancelled, or the server restarted)', 'Drop the file again.')
    return u
  }

  private target(u: Upload, rel: string): string {
    const to = path.resolve(u.dir, ...rel.split('/'))
    if (!to.startsWith(u.dir + path.sep)) throw new UserError('bad_upload', `${rel} leaves the upload folder`)
    return to
  }
}
