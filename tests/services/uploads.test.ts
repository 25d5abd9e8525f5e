import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { Services } from '../../electron/services/services'
import { forkLauncher } from '../../electron/services/engine-client'
import { startServer, type RunningServer } from '../../electron/services/http-server'
import { UploadStore } from '../../electron/services/uploads'
import { decodeMessage, encodeMessage } from '../../shared/wire'
import { UPLOAD_CHUNK_BYTES } from '../../shared/uploads'
import type { DatasetSummary } from '../../shared/index'
import { tempDir, waitFor } from '../helpers/tmp'

// Issue 21: a file dropped in a browser reaches `ntkw serve` as bytes, in ordered binary-frame chunks over
// the real WebSocket, and is imported exactly as a path import of the same file (same job, same content
// hash, same name); bad chunks are refused, cancel and the end of the import remove the temporary copy.

const tmp = tempDir()
let services: Services
let server: RunningServer
let ws: WebSocket
let nextId = 1

function call<T>(method: string, params: unknown): Promise<T> {
  const id = nextId++
  return new Promise((resolve, reject) => {
    const onMsg = (raw: WebSocket.RawData, isBinary: boolean): void => {
      const m = (isBinary ? decodeMessage(raw as Buffer) : JSON.parse(String(raw))) as { id?: number; result?: T; error?: { message: string; code: string } }
      if (m.id !== id) return
      ws.off('message', onMsg)
      if (m.error) reject(Object.assign(new Error(m.error.message), { code: m.error.code }))
      else resolve(m.result as T)
    }
    ws.on('message', onMsg)
    ws.send(encodeMessage({ id, method, params }))
  })
}

async function settled(runId: string): Promise<string> {
  const s = await waitFor(() => {
    const r = services.project.current?.runs.get(runId)
    return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : null
  }, 120_000)
  return s.state
}

const uploadsRoot = (): string[] => readdirSync(os.tmpdir()).filter((n) => n.startsWith('ntkw-uploads-')).flatMap((n) => readdirSync(path.join(os.tmpdir(), n)).map((c) => `${n}/${c}`))

beforeAll(async () => {
  const staticDir = path.join(tmp.dir, 'renderer')
  mkdirSync(staticDir)
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>')
  services = new Services({ mode: 'serve', configDir: path.join(tmp.dir, 'cfg'), launcher: forkLauncher })
  server = await startServer({ services, host: '127.0.0.1', port: 0, staticDir, token: 'tok' })
  services.project.create(path.join(tmp.dir, 'up.ntkw'))
  ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=tok`)
    s.once('open', () => resolve(s))
    s.once('error', reject)
  })
})
afterAll(async () => {
  ws?.close()
  await server.close()
  await services.dispose()
  tmp.cleanup()
})

describe('uploads over the WebSocket', () => {
  it('imports an uploaded CSV as the path import of the same file does: same name, rows and content hash', async () => {
    // > 2 chunks of CSV text
    const lines = ['a,b,c,label']
    for (let i = 0, length = lines[0]!.length; length < 2.3 * UPLOAD_CHUNK_BYTES; i++) {
      const line = `${(i % 97) / 7},${(i * 13) % 31},${Math.sin(i).toFixed(6)},${['x', 'y', 'z'][i % 3]}`
      lines.push(line)
      length += line.length + 1
    }
    const text = lines.join('\n') + '\n'
    const file = path.join(tmp.dir, 'points.csv')
    writeFileSync(file, text)
    const bytes = new TextEncoder().encode(text)

    const byPath = await call<{ runId: string }>('datasets.import', { path: file })
    expect(await settled(byPath.runId)).toBe('succeeded')

    const before = uploadsRoot()
    const { uploadId, chunkBytes } = await call<{ uploadId: string; chunkBytes: number }>('uploads.begin', { purpose: 'dataset', files: [{ path: 'points.csv', size: bytes.length }] })
    expect(chunkBytes).toBe(UPLOAD_CHUNK_BYTES)
    // a chunk out of order is refused and changes nothing
    await expect(call('uploads.chunk', { uploadId, file: 0, offset: chunkBytes, data: bytes.subarray(chunkBytes, 2 * chunkBytes) })).rejects.toMatchObject({ code: 'bad_upload' })
    let chunks = 0
    for (let o = 0; o < bytes.length; o += chunkBytes) {
      const got = await call<{ received: number }>('uploads.chunk', { uploadId, file: 0, offset: o, data: bytes.subarray(o, o + chunkBytes) })
      expect(got.received).toBe(Math.min(bytes.length, o + chunkBytes))
      chunks++
    }
    expect(chunks).toBe(3)
    const fin = await call<{ runId: string; purpose: string }>('uploads.finish', { uploadId })
    expect(fin.purpose).toBe('dataset')
    expect(await settled(fin.runId)).toBe('succeeded')

    const list = await call<DatasetSummary[]>('datasets.list', {})
    expect(list).toHaveLength(2)
    const [a, b] = list
    // both routes name it after the file without its extension; the file name stays as its source
    expect([a!.name, b!.name]).toEqual(['points', 'points'])
    expect([a!.source, b!.source]).toEqual(['points.csv', 'points.csv'])
    expect(a!.hash).toBe(b!.hash)
    expect(a!.rows).toBe(b!.rows)
    expect(a!.recipe).toEqual(b!.recipe)
    // the temporary copy is gone once its import has ended
    await waitFor(() => uploadsRoot().length === before.length, 10_000)
  })

  it('refuses paths that leave the upload, sizes over the limit, a finish before all bytes; cancel removes the copy', async () => {
    await expect(call('uploads.begin', { purpose: 'dataset', files: [{ path: '../evil.csv', size: 3 }] })).rejects.toMatchObject({ code: 'bad_params' })
    await expect(call('uploads.begin', { purpose: 'dataset', files: [{ path: '/etc/passwd', size: 3 }] })).rejects.toMatchObject({ code: 'bad_params' })
    await expect(call('uploads.begin', { purpose: 'dataset', files: [{ path: 'big.npy', size: 2 ** 31 }] })).rejects.toMatchObject({ code: 'bad_params' })
    const { uploadId } = await call<{ uploadId: string }>('uploads.begin', { purpose: 'dataset', files: [{ path: 'half.csv', size: 10 }] })
    await call('uploads.chunk', { uploadId, file: 0, offset: 0, data: new TextEncoder().encode('a,b\n') })
    await expect(call('uploads.chunk', { uploadId, file: 0, offset: 4, data: new Uint8Array(7) })).rejects.toMatchObject({ code: 'bad_upload' })
    await expect(call('uploads.finish', { uploadId })).rejects.toThrow(/4 of 10 bytes/)
    const dirs = uploadsRoot()
    expect(dirs.some((d) => d.endsWith(uploadId))).toBe(true)
    await call('uploads.cancel', { uploadId })
    expect(uploadsRoot().some((d) => d.endsWith(uploadId))).toBe(false)
    await expect(call('uploads.chunk', { uploadId, file: 0, offset: 4, data: new Uint8Array(6) })).rejects.toMatchObject({ code: 'not_found' })
  })

  it('a dropped model folder (model.json + weights.bin) is imported as a model named after the folder', async () => {
    const { writeModelFolder } = await import('../../electron/engine/models/format')
    const tf = await import('@tensorflow/tfjs')
    const { modelToFiles } = await import('../../electron/engine/models/io')
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 2 })] })
    const files = await modelToFiles(m)
    m.dispose()
    const dir = path.join(tmp.dir, 'tiny-mlp')
    writeModelFolder(dir, files)
    const { readFileSync } = await import('node:fs')
    const parts = ['model.json', 'weights.bin'].map((n) => ({ path: `tiny-mlp/${n}`, bytes: new Uint8Array(readFileSync(path.join(dir, n))) }))
    const { uploadId } = await call<{ uploadId: string }>('uploads.begin', { purpose: 'model', files: parts.map((p) => ({ path: p.path, size: p.bytes.length })) })
    for (const [i, p] of parts.entries()) for (let o = 0; o < p.bytes.length; o += UPLOAD_CHUNK_BYTES) await call('uploads.chunk', { uploadId, file: i, offset: o, data: p.bytes.subarray(o, o + UPLOAD_CHUNK_BYTES) })
    const fin = await call<{ runId: string; purpose: string }>('uploads.finish', { uploadId })
    expect(fin.purpose).toBe('model')
    expect(await settled(fin.runId)).toBe('succeeded')
    const models = await call<{ name: string; params: number }[]>('models.list', {})
    expect(models.map((x) => [x.name, x.params])).toEqual([['tiny-mlp', 3 * 4 + 4 + 4 * 2 + 2]])
    expect(existsSync(path.join(dir, 'model.json'))).toBe(true)
  })
})

describe('UploadStore', () => {
  it('an upload idle for 15 minutes is dropped when the next one begins: its place and its bytes are freed', () => {
    let t = 0
    const store = new UploadStore(() => t)
    try {
      const files = [{ path: 'a.csv', size: 4 }]
      const ids = Array.from({ length: 4 }, () => store.begin({ purpose: 'dataset', files }).uploadId)
      expect(() => store.begin({ purpose: 'dataset', files })).toThrow(/already in progress/)
      t += 10 * 60_000
      store.chunk(ids[0]!, 0, 0, new Uint8Array([1, 2])) // the first one is still alive
      t += 6 * 60_000 // the other three have now been idle 16 minutes
      const fresh = store.begin({ purpose: 'dataset', files }).uploadId
      expect(() => store.chunk(ids[1]!, 0, 0, new Uint8Array([1]))).toThrow(/no such upload/)
      expect(store.chunk(ids[0]!, 0, 2, new Uint8Array([3, 4]))).toEqual({ received: 4 })
      expect(store.chunk(fresh, 0, 0, new Uint8Array([1]))).toEqual({ received: 1 })
    } finally {
      store.dispose()
    }
  })
})
