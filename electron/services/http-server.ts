import http from 'node:http'
import { createReadStream, existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { RpcRequest } from '../../shared/index'
import type { Services } from './services'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

export interface ServeOptions {
  services: Services
  host: string
  port: number
  /** folder of the built renderer (index.html + assets) */
  staticDir: string
  /** null disables the token check (only with an explicit --no-token) */
  token: string | null
}

export interface RunningServer {
  url: string
  port: number
  token: string | null
  close(): Promise<void>
}

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Hosts main's services without Electron: the built renderer over HTTP and the contract over a WebSocket. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const root = path.resolve(opts.staticDir)
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    let rel = decodeURIComponent(url.pathname)
    if (rel === '/' || rel === '') rel = '/index.html'
    const file = path.resolve(root, '.' + rel)
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end(existsSync(path.join(root, 'index.html')) ? 'not found' : 'the renderer is not built: run `npm run build:renderer`')
      return
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    })
    createReadStream(file).pipe(res)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const token = url.searchParams.get('token') ?? ''
    const origin = req.headers.origin
    const host = req.headers.host
    // Only pages served by us (same host) may connect: blocks other sites in the user's browser.
    const originOk = !origin || origin === `http://${host}`
    if (url.pathname !== '/ws' || !originOk || (opts.token !== null && !sameToken(token, opts.token))) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  wss.on('connection', (ws: WebSocket) => {
    const unsubscribe = opts.services.onPush((event, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }))
    })
    ws.on('close', unsubscribe)
    ws.on('message', (raw) => {
      let msg: RpcRequest
      try {
        msg = RpcRequest.parse(JSON.parse(String(raw)))
      } catch {
        ws.send(JSON.stringify({ id: -1, error: { message: 'malformed request', code: 'bad_request' } }))
        return
      }
      void opts.services.call(msg.method, msg.params).then((r) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, ...r }))
      })
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : opts.port
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host
  const url = `http://${hostForUrl}:${port}/${opts.token ? `?token=${opts.token}` : ''}`
  return {
    url,
    port,
    token: opts.token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
