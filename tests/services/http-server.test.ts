import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { Services } from '../../electron/services/services'
import { forkLauncher } from '../../electron/services/engine-client'
import { startServer, type RunningServer } from '../../electron/services/http-server'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir()
let services: Services
let server: RunningServer

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

function rpc(ws: WebSocket, id: number, method: string, params: unknown = {}): Promise<{ id: number; result?: unknown; error?: { message: string; code: string } }> {
  return new Promise((resolve) => {
    const onMsg = (raw: WebSocket.RawData): void => {
      const m = JSON.parse(String(raw)) as { id?: number }
      if (m.id === id) {
        ws.off('message', onMsg)
        resolve(m as never)
      }
    }
    ws.on('message', onMsg)
    ws.send(JSON.stringify({ id, method, params }))
  })
}

beforeAll(async () => {
  const staticDir = path.join(tmp.dir, 'renderer')
  mkdirSync(staticDir)
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>')
  services = new Services({ mode: 'serve', configDir: path.join(tmp.dir, 'cfg'), launcher: forkLauncher })
  server = await startServer({ services, host: '127.0.0.1', port: 0, staticDir, token: 'secret-token-123' })
})
afterAll(async () => {
  await server.close()
  await services.dispose()
  tmp.cleanup()
})

describe('ntkw serve transport', () => {
  it('binds loopback and serves the renderer with a CSP; no path traversal', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=secret-token-123$/)
    const res = await fetch(`http://127.0.0.1:${server.port}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
    const trav = await fetch(`http://127.0.0.1:${server.port}/..%2f..%2fetc%2fpasswd`)
    expect(trav.status).toBe(404)
  })

  it('refuses WebSocket clients without the token or from another origin', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow(/401/)
    await expect(connect(`ws://127.0.0.1:${server.port}/ws?token=wrong`)).rejects.toThrow(/401/)
    await expect(connect(`ws://127.0.0.1:${server.port}/ws?token=secret-token-123`, { origin: 'http://evil.example' })).rejects.toThrow(/401/)
  })

  it('answers contract calls and validates their params', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws?token=secret-token-123`)
    const created = await rpc(ws, 1, 'project.new', { path: path.join(tmp.dir, 'ws.ntkw') })
    expect((created.result as { name: string }).name).toBe('ws')
    const runs = await rpc(ws, 2, 'runs.list')
    expect(runs.result).toEqual([])
    const bad = await rpc(ws, 3, 'project.open', { path: 42 })
    expect(bad.error?.code).toBe('bad_params')
    const notProject = await rpc(ws, 4, 'project.open', { path: path.join(tmp.dir, 'renderer', 'index.html') })
    expect(notProject.error?.code).toBe('not_a_project')
    // The failed open left the previous project open.
    const cur = await rpc(ws, 5, 'project.current')
    expect((cur.result as { name: string }).name).toBe('ws')
    ws.close()
  })
})
