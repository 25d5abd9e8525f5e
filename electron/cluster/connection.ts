import { Redis } from 'ioredis'
import { UserError } from '../../shared/errors'

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/**
 * Checks a Redis URL before anything connects: redis:// or rediss://, and a password unless the server is on
 * this machine or the user said --insecure (a passwordless Redis on a network lets anyone queue work or
 * read the kernels).
 */
export function checkRedisUrl(raw: string, insecure: boolean): URL {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new UserError('bad_redis_url', `--redis ${raw}: not a URL`, 'Give redis://:PASSWORD@HOST:6379/0 (or rediss:// for TLS).')
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UserError('bad_redis_url', `--redis ${raw}: expected a redis:// or rediss:// URL`, 'e.g. --redis redis://:PASSWORD@10.0.0.5:6379/0')
  }
  const host = u.hostname.toLowerCase()
  const loopback = LOOPBACK.has(host) || /^127\./.test(host)
  if (!loopback && !u.password && !insecure) {
    throw new UserError(
      'insecure_redis',
      `--redis ${u.host}: a Redis on another machine without a password`,
      'Set requirepass in redis.conf and give redis://:PASSWORD@HOST:PORT (rediss:// for TLS), or pass --insecure on a network you trust.',
    )
  }
  return u
}

/** the URL without its password, for logs */
export function redactUrl(u: URL): string {
  const c = new URL(u.toString())
  if (c.password) c.password = '***'
  return c.toString()
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
