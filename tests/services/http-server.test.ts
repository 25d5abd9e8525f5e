import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import WebSocket from 'ws'
import { Services } from '../../electron/services/services'
import { forkLauncher } from '../../electron/services/engine-client'
import { allowedHosts, sameToken, startServer, type RunningServer } from '../../electron/services/http-server'
import { tempDir } from '../helpers/tmp'
import { decodeMessage } from '../../shared/wire'
import { ProjectArtifactSink } from '../../electron/engine/store/artifacts'
import { JobSpec } from '../../shared/index'

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
  mkdirSync(path.join(staticDir, 'assets'))
  writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(path.join(staticDir, '.secret'), 'dotfile')
  writeFileSync(path.join(tmp.dir, 'outside.txt'), 'OUTSIDE')
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
    await expect(connect(`ws://127.0.0.1:${server.port}/ws?token=secret-token-123`, { origin: 'http://evil.example' })).rejects.toThrow(/403/)
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

  it('serves files from the table of the renderer folder only: no traversal, no dotfiles, GET/HEAD only', async () => {
    const base = `http://127.0.0.1:${server.port}`
    const js = await fetch(`${base}/assets/app.js`)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toMatch(/javascript/)
    expect(js.headers.get('x-content-type-options')).toBe('nosniff')
    expect(js.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/)
    expect((await fetch(`${base}/?token=x`)).status).toBe(200)
    for (const p of ['/.secret', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/%E0%A4%A', '/%', '/index.html%00']) {
      const r = await fetch(`${base}${p}`)
      expect([400, 404], p).toContain(r.status)
      expect(await r.text()).not.toMatch(/OUTSIDE|dotfile/)
    }
    expect((await fetch(`${base}/index.html`, { method: 'POST', body: 'x' })).status).toBe(405)
    // a byte range the static server would pass on to createReadStream as start > end
    const ranged = await fetch(`${base}/index.html`, { headers: { range: 'bytes=5-2' } })
    expect(ranged.status).toBe(200)
  })

  it('refuses requests whose Host is not the bound address (DNS rebinding)', async () => {
    const ask = (hostHeader: string, extra = ''): Promise<string> =>
      new Promise((resolve) => {
        const s = net.connect(server.port, '127.0.0.1')
        let got = ''
        s.on('data', (d) => (got += d.toString()))
        s.on('close', () => resolve(got))
        s.on('error', () => resolve(got))
        s.write(`GET /ws?token=secret-token-123 HTTP/1.1\r\nHost: ${hostHeader}\r\n${extra}Connection: close\r\n\r\n`)
      })
    expect(await ask('attacker.example')).toMatch(/^HTTP\/1\.1 421/)
    expect(await ask(`attacker.example:${server.port}`)).toMatch(/^HTTP\/1\.1 421/)
    expect(await ask(`localhost:${server.port}`)).toMatch(/^HTTP\/1\.1 404/)
    const upgrade = `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 1).toString('base64')}\r\n`
    expect(await ask(`rebind.attacker.test:${server.port}`, `Connection: Upgrade\r\n${upgrade}`)).toMatch(/^HTTP\/1\.1 403/)
    const sameOrigin = await connect(`ws://127.0.0.1:${server.port}/ws?token=secret-token-123`, { origin: `http://127.0.0.1:${server.port}` })
    sameOrigin.close()
    const alias = await connect(`ws://localhost:${server.port}/ws?token=secret-token-123`, { origin: `http://localhost:${server.port}` })
    alias.close()
    // the Origin of the rebinding page names the attacker's host even when Host was rewritten
    await expect(connect(`ws://127.0.0.1:${server.port}/ws?token=secret-token-123`, { origin: `http://rebind.attacker.test:${server.port}` })).rejects.toThrow(/403/)
    await expect(connect(`ws://127.0.0.1:${server.port}/ws?token=secret-token-123`, { origin: 'null' })).rejects.toThrow(/403/)
    expect(allowedHosts('0.0.0.0', 80).has('127.0.0.1:80')).toBe(true)
    expect(allowedHosts('127.0.0.1', 80).has('evil:80')).toBe(false)
  })

  it('compares tokens over fixed-length digests and answers malformed or unknown calls with errors', async () => {
    expect(sameToken('secret-token-123', 'secret-token-123')).toBe(true)
    expect(sameToken('secret', 'secret-token-123')).toBe(false)
    expect(sameToken('', 'secret-token-123')).toBe(false)
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws?token=secret-token-123`)
    const next = (): Promise<{ id: number; error?: { code: string } }> => new Promise((r) => ws.once('message', (d) => r(JSON.parse(String(d)) as never)))
    let a = next()
    ws.send('{not json')
    expect((await a).error?.code).toBe('bad_request')
    a = next()
    ws.send(JSON.stringify({ id: 9, method: 'no.such', params: {} }))
    expect(await a).toMatchObject({ id: 9, error: { code: 'bad_method' } })
    a = next()
    ws.send(JSON.stringify({ id: 10, method: 'constructor', params: {} }))
    expect(await a).toMatchObject({ id: 10, error: { code: 'bad_method' } })
    a = next()
    ws.send(Buffer.from([1, 2, 3]))
    expect((await a).error?.code).toBe('bad_request')
    ws.close()
  })

  it('sends array artifacts as one binary frame holding the float32 bytes', async () => {
    services.project.create(path.join(tmp.dir, 'bin.ntkw'))
    const { handle, runs } = services.project.current!
    const run = runs.create(JobSpec.parse({ kind: 'backend-benchmark' }), {})
    const values = new Float32Array(256 * 256).map((_, i) => Math.cos(i) / 7)
    const art = new ProjectArtifactSink(handle.db, run.id).saveArray('heatmap_ntk', values, [256, 256], {})
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws?token=secret-token-123`)
    const got = await new Promise<{ data: WebSocket.RawData; isBinary: boolean }>((resolve) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary || String(data).includes('"id":77')) resolve({ data, isBinary })
      })
      ws.send(JSON.stringify({ id: 77, method: 'artifacts.read', params: { artifactId: art.id } }))
    })
    expect(got.isBinary).toBe(true)
    const bytes = got.data as Buffer
    expect(bytes.byteLength).toBeLessThan(values.byteLength + 1024)
    const msg = decodeMessage(bytes) as { id: number; result: { shape: number[]; data: Float32Array } }
    expect(msg.id).toBe(77)
    expect(msg.result.shape).toEqual([256, 256])
    expect(msg.result.data).toEqual(values)
    ws.close()
  })
})
