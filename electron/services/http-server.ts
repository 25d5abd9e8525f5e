import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { existsSync, statSync } from 'node:fs'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Duplex } from 'node:stream'
import sirv from 'sirv'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { RpcRequest, type RpcResponse } from '../../shared/ipc'
import { decodeMessage, encodeMessage } from '../../shared/wire'
import type { Services } from './services'

// `ntkw serve`: the built renderer over HTTP and the contract over one WebSocket, for a browser on this
// machine. Every request is untrusted (any web page the user visits can send requests to 127.0.0.1), so:
// static files come from a table built at start (sirv, no filesystem path is ever derived from a URL);
// Host and Origin must name the bound address (DNS rebinding); the token is compared in constant time;
// messages are size-limited; a malformed request gets an error answer and never reaches a throw.

/** largest WebSocket message a client may send; requests are small JSON (a job spec is a few kB) */
export const MAX_MESSAGE_BYTES = 1 << 20
/** calls one connection may have in flight; more are answered `busy` */
export const MAX_IN_FLIGHT = 64
/** a client that reads slower than this many buffered bytes is dropped, so memory stays bounded */
const MAX_BUFFERED_BYTES = 64 << 20

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

/** Constant-time comparison that does not leak the length either: both sides are hashed first. */
export function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])
const WILDCARD = new Set(['0.0.0.0', '::', ''])

function bracket(h: string): string {
  return h.includes(':') ? `[${h}]` : h
}

/** `host:port` values a request may carry in its Host header: the bound address (and its loopback aliases). */
export function allowedHosts(bound: string, port: number): Set<string> {
  const names = new Set<string>([bound])
  if (LOOPBACK.has(bound) || WILDCARD.has(bound)) for (const l of LOOPBACK) names.add(l)
  if (WILDCARD.has(bound)) {
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(a.address)
    names.add(os.hostname())
  }
  return new Set([...names].filter(Boolean).map((n) => `${bracket(n)}:${port}`.toLowerCase()))
}

function securityHeaders(hostPort: string): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      `connect-src 'self' ws://${hostPort}`,
      "worker-src 'self' blob:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  }
}

function plain(res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra })
  res.end(text)
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.on('error', () => undefined)
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  socket.destroy()
}

/** Hosts main's services without Electron: the built renderer over HTTP and the contract over a WebSocket. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const root = path.resolve(opts.staticDir)
  const built = existsSync(path.join(root, 'index.html')) && statSync(root).isDirectory()
  let hosts = new Set<string>()
  let headers: Record<string, string> = {}

  // sirv indexes the folder once (dev: false): a URL is looked up in that table, never joined to a path.
  const serveStatic = built
    ? sirv(root, {
        dev: false,
        etag: true,
        dotfiles: false,
        extensions: [],
        setHeaders: (res) => {
          for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
          res.setHeader('cache-control', 'no-cache')
        },
      })
    : null

  const server = http.createServer((req, res) => {
    try {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
      if ((req.url ?? '').length > 2048) return plain(res, 414, 'URI too long')
      if (!hosts.has(String(req.headers.host ?? '').toLowerCase())) return plain(res, 421, 'unknown Host: open the URL that `ntkw serve` printed')
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed', { allow: 'GET, HEAD' })
      if (!serveStatic) return plain(res, 404, 'the renderer is not built: run `npm run build:renderer`')
      // The UI needs no byte ranges, and sirv passes odd ones (bytes=5-2) to createReadStream, which throws.
      delete req.headers.range
      const url = req.url ?? '/'
      if (url === '/' || url.startsWith('/?')) req.url = '/index.html' + url.slice(1)
      serveStatic(req, res, () => plain(res, 404, 'not found'))
    } catch {
      plain(res, 400, 'bad request')
    }
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket) =>
    refuseUpgrade(socket, err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request'),
  )
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.maxHeadersCount = 100

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false })
  server.on('upgrade', (req, socket, head) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const token = url.searchParams.get('token') ?? ''
      const host = String(req.headers.host ?? '').toLowerCase()
      const origin = req.headers.origin
      // Browsers always send Origin on a WebSocket; tools may omit it (they still need the token).
      const originOk = origin === undefined || [...hosts].some((h) => origin.toLowerCase() === `http://${h}`)
      if (url.pathname !== '/ws') return refuseUpgrade(socket, '404 Not Found')
      if (!hosts.has(host) || !originOk) return refuseUpgrade(socket, '403 Forbidden')
      if (opts.token !== null && !sameToken(token, opts.token)) return refuseUpgrade(socket, '401 Unauthorized')
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
    } catch {
      refuseUpgrade(socket, '400 Bad Request')
    }
  })

  wss.on('connection', (ws: WebSocket) => {
    let inFlight = 0
    const send = (msg: RpcResponse | { event: string; payload: unknown }): void => {
      if (ws.readyState !== ws.OPEN) return
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.terminate()
        return
      }
      try {
        ws.send(encodeMessage(msg))
      } catch {
        ws.terminate()
      }
    }
    const unsubscribe = opts.services.onPush((event, payload) => send({ event, payload }))
    ws.on('close', unsubscribe)
    // Without a listener, a protocol error (bad UTF-8, oversized or malformed frame) would be thrown;
    // ws itself then closes the connection with the matching code (1007, 1009, 1002).
    ws.on('error', () => undefined)
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      let msg: RpcRequest
      let text = ''
      try {
        const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer)
        // a binary frame is a request carrying bytes (an upload chunk), in shared/wire.ts's format
        if (isBinary) msg = RpcRequest.parse(decodeMessage(bytes))
        else {
          text = bytes.toString('utf8')
          msg = RpcRequest.parse(JSON.parse(text))
        }
      } catch {
        send({ id: salvageId(text), error: { message: 'malformed request: expected JSON {id, method, params} as a text frame (or a binary frame in the wire format)', code: 'bad_request' } })
        return
      }
      if (inFlight >= MAX_IN_FLIGHT) {
        send({ id: msg.id, error: { message: `more than ${MAX_IN_FLIGHT} calls in flight on this connection`, code: 'busy', hint: 'Wait for answers before sending more.' } })
        return
      }
      inFlight++
      opts.services
        .call(msg.method, msg.params)
        .then(
          (r) => send({ id: msg.id, ...r } as RpcResponse),
          (e: unknown) => send({ id: msg.id, error: { message: e instanceof Error ? e.message : String(e), code: 'internal' } }),
        )
        .finally(() => inFlight--)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : opts.port
  hosts = allowedHosts(opts.host, port)
  headers = securityHeaders(`${bracket(opts.host)}:${port}`)
  const url = `http://${bracket(opts.host)}:${port}/${opts.token ? `?token=${opts.token}` : ''}`
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

/** The id of a request that failed validation, when it has one, so the client can match the error. */
function salvageId(text: string): number {
  try {
    const v = JSON.parse(text) as { id?: unknown }
    return typeof v.id === 'number' && Number.isSafeInteger(v.id) ? v.id : -1
  } catch {
    return -1
  }
}
