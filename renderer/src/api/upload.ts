import type { WorkbenchApi } from '../../../shared/ipc'
import { MAX_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES } from '../../../shared/uploads'
import { ApiError } from './errors'

// Sends dropped files' bytes to the server in order, one chunk in flight (the next is read while the
// server writes the last), and starts their import. A cancel between chunks removes what was sent.

export interface DroppedFile {
  /** relative path inside the drop: "digits.csv", or "mlp/model.json" for a dropped folder */
  path: string
  file: Blob
}

export interface UploadProgress {
  sent: number
  total: number
}

export class UploadCancelled extends Error {
  constructor() {
    super('upload cancelled')
  }
}

export async function uploadAndImport(
  api: WorkbenchApi,
  files: DroppedFile[],
  purpose: 'dataset' | 'model',
  opts: { name?: string; signal?: AbortSignal; onProgress?: (p: UploadProgress) => void } = {},
): Promise<{ runId: string; purpose: 'dataset' | 'model' }> {
  const total = files.reduce((s, f) => s + f.file.size, 0)
  if (total > MAX_UPLOAD_BYTES) {
    throw new ApiError({ message: `the drop holds ${total.toLocaleString('en-US')} bytes: more than the ${(MAX_UPLOAD_BYTES / 2 ** 30).toFixed(0)} GiB one upload may hold`, code: 'too_large', hint: 'Import it by its path on the machine running ntkw serve (the path field on this page).' })
  }
  const { uploadId, chunkBytes } = await api.invoke('uploads.begin', { purpose, files: files.map((f) => ({ path: f.path, size: f.file.size })) })
  const step = Math.min(chunkBytes, UPLOAD_CHUNK_BYTES)
  let sent = 0
  try {
    opts.onProgress?.({ sent, total })
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!.file
      for (let offset = 0; offset < f.size; offset += step) {
        if (opts.signal?.aborted) throw new UploadCancelled()
        const data = new Uint8Array(await f.slice(offset, Math.min(f.size, offset + step)).arrayBuffer())
        await api.invoke('uploads.chunk', { uploadId, file: i, offset, data })
        sent += data.byteLength
        opts.onProgress?.({ sent, total })
      }
    }
    if (opts.signal?.aborted) throw new UploadCancelled()
    return await api.invoke('uploads.finish', { uploadId, ...(opts.name ? { name: opts.name } : {}) })
  } catch (e) {
    await api.invoke('uploads.cancel', { uploadId }).catch(() => undefined)
    throw e
  }
}

interface EntryLike {
  isFile: boolean
  isDirectory: boolean
  name: string
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void
  createReader?(): { readEntries(ok: (e: EntryLike[]) => void, fail: (e: unknown) => void): void }
}

/**
 * The files of a drop with their relative paths; a dropped folder is walked (a folder's File in
 * `dataTransfer.files` has no readable bytes). Read synchronously at drop time: the items die after the event.
 */
export function droppedEntries(dt: DataTransfer): { entries: EntryLike[]; files: File[] } {
  const entries: EntryLike[] = []
  for (const item of Array.from(dt.items ?? [])) {
    const e = (item as DataTransferItem & { webkitGetAsEntry?(): EntryLike | null }).webkitGetAsEntry?.()
    if (e) entries.push(e)
  }
  return { entries, files: Array.from(dt.files ?? []) }
}

export async function collectFiles(drop: { entries: EntryLike[]; files: File[] }): Promise<DroppedFile[]> {
  if (!drop.entries.length || drop.entries.every((e) => e.isFile)) return drop.files.map((f) => ({ path: f.name, file: f }))
  const out: DroppedFile[] = []
  async function walk(e: EntryLike, prefix: string): Promise<void> {
    const p = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isFile && e.file) out.push({ path: p, file: await new Promise<File>((ok, fail) => e.file!(ok, fail)) })
    else if (e.isDirectory && e.createReader) {
      const reader = e.createReader()
      // readEntries answers in batches until an empty one
      for (;;) {
        const batch = await new Promise<EntryLike[]>((ok, fail) => reader.readEntries(ok, fail))
        if (!batch.length) break
        for (const c of batch) await walk(c, p)
      }
    }
  }
  for (const e of drop.entries) await walk(e, '')
  return out
}
