import { Redis } from 'ioredis'
import { UserError } from '../../shared/errors'
import { redactRedisUrl, redisUrlProblem } from '../../shared/cluster'

/**
 * Checks a Redis URL before anything connects (the rule is shared/cluster.ts redisUrlProblem, which the app's
 * Settings apply too): redis:// or rediss://, and a password unless the server is on this machine or the
 * user said --insecure.
 */
export function checkRedisUrl(raw: string, insecure: boolean): URL {
  const p = redisUrlProblem(raw, insecure)
  if (p) throw new UserError(p.code, `--redis ${p.message}`, p.hint)
  return new URL(raw)
}

/** the URL without its password, for logs */
export function redactUrl(u: URL): string {
  return redactRedisUrl(u.toString())
}

/**
 * A connection that waits through a Redis restart instead of failing commands (BullMQ needs
 * maxRetriesPerRequest null for its blocking calls; the coordinator and worker want the same patience).
 */
export function connect(u: URL, name: string): Redis {
  const r = new Redis(u.toString(), {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  })
  // ioredis emits 'error' on every failed reconnect; the retry strategy handles them
  r.on('error', () => {})
  return r
}

export interface RedisProbe {
  /** the URL without its password */
  where: string
  serverVersion: string
  latencyMs: number
}

/**
 * One connection attempt, no retries, a few seconds at most: what the app's "Test connection" runs. The
 * error says which of the usual things went wrong (nothing listening, wrong or missing password, unknown
 * host, a server that does not answer) and never repeats the password.
 */
export async function probeRedis(u: URL, timeoutMs = 4000): Promise<RedisProbe> {
  const where = redactUrl(u)
  const r = new Redis(u.toString(), { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectionName: 'ntkw-probe' })
  let last: Error | null = null
  r.on('error', (e: Error) => (last = e))
  const t0 = performance.now()
  try {
    await withTimeout(r.connect(), timeoutMs + 500)
    await withTimeout(r.ping(), timeoutMs)
    const latencyMs = performance.now() - t0
    const info = await withTimeout(r.info('server'), timeoutMs)
    const serverVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'
    return { where, serverVersion, latencyMs }
  } catch (e) {
    // ioredis rejects connect() with a generic 'Connection is closed.'; the socket's own error says why
    const caught = e as (Error & { code?: string }) | null
    const first = last as (Error & { code?: string }) | null
    throw probeError(where, u, first?.code || /WRONGPASS|NOAUTH|AUTH/.test(first?.message ?? '') ? first : (caught ?? first))
  } finally {
    r.disconnect()
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), ms)
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    )
  })
}

function probeError(where: string, u: URL, e: Error | null): UserError {
  const code = (e as { code?: string } | null)?.code
  const msg = (e?.message ?? '').replaceAll(u.password ? decodeURIComponent(u.password) : '\u0000', '***')
  const hostPort = `${u.hostname}:${u.port || '6379'}`
  if (code === 'ECONNREFUSED') return new UserError('redis_refused', `${where}: connection refused (nothing listens on ${hostPort})`, 'Start redis-server there, or check the host and port.')
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new UserError('redis_unknown_host', `${where}: unknown host ${u.hostname}`, 'Check the host name, or give its IP address.')
  if (code === 'ETIMEDOUT') return new UserError('redis_timeout', `${where}: no answer within a few seconds`, 'Check the host, the port, a firewall between here and there, and rediss:// when the server expects TLS.')
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) return new UserError('redis_auth', `${where}: wrong password (the server refused it)`, 'Give the password set by requirepass in redis.conf: redis://:PASSWORD@HOST:PORT/DB.')
  if (/NOAUTH/i.test(msg)) return new UserError('redis_auth', `${where}: the server needs a password and the URL gives none`, 'Give it as redis://:PASSWORD@HOST:PORT/DB (requirepass in redis.conf).')
  if (/without any password configured/i.test(msg)) return new UserError('redis_auth', `${where}: the URL gives a password but the server has none set`, 'Set requirepass in redis.conf (recommended), or drop the password from the URL.')
  if (/DB index is out of range/i.test(msg)) return new UserError('redis_db', `${where}: the server has no database ${u.pathname.slice(1)}`, 'Use a database number below the server\'s "databases" setting (usually 0–15).')
  return new UserError('redis_unreachable', `${where}: ${msg || 'the connection failed'}`, 'Check the URL and that redis-server runs there.')
}
