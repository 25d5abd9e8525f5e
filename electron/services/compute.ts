import type { JobSpec, Settings } from '../../shared/index'
import { UserError } from '../../shared/errors'
import { MASKED_PASSWORD, REMOTE_TILE_SPEC_KINDS, maskRedisUrl, redactRedisUrl, type ClusterStatus } from '../../shared/cluster'
import { Compute } from '../../shared/settings'
import type { RemoteCompute } from '../engine/protocol'
import type { SettingsStore } from './settings-store'

/** Where a submitted run computes, decided once when it is queued and recorded with it. */
export interface JobRoute {
  /** for the run's record: 'this machine' or the Redis URL without its password */
  where: string
  remote?: RemoteCompute
  /** a line for the run's log when the choice in Settings could not be followed */
  note?: string
}

/** a status or test that takes longer than this is reported as unreachable */
const STATUS_TIMEOUT_MS = 8000

/**
 * Settings ▸ Compute (issue 20): the Redis URL is kept with its password in the settings file (mode 0600)
 * and shown back masked; a URL sent back with the mask keeps the saved password. The cluster code (bullmq,
 * ioredis) loads only when a Redis is tested or read.
 */
export class ComputeService {
  constructor(private readonly settings: SettingsStore) {}

  /** settings as the renderer sees them: the password masked */
  publicSettings(s: Settings = this.settings.settings): Settings {
    return s.compute.mode === 'redis' ? { ...s, compute: { ...s.compute, url: maskRedisUrl(s.compute.url) } } : s
  }

  /** a Compute from the renderer with the saved password put back where it shows the mask */
  unmask(c: Compute): Compute {
    if (c.mode !== 'redis') return c
    let u: URL
    try {
      u = new URL(c.url)
    } catch {
      return c
    }
    if (u.password !== MASKED_PASSWORD) return c
    const saved = this.settings.settings.compute
    const savedPw = saved.mode === 'redis' ? new URL(saved.url).password : ''
    if (!savedPw) throw new UserError('bad_redis_url', 'the Redis URL shows a masked password but none is saved', 'Type the password in the URL: redis://:PASSWORD@HOST:PORT/DB.')
    u.password = savedPw
    return Compute.parse({ ...c, url: u.toString() })
  }

  route(spec: JobSpec): JobRoute {
    const c = this.settings.settings.compute
    if (c.mode === 'local') return { where: 'this machine' }
    const where = redactRedisUrl(c.url)
    if (!REMOTE_TILE_SPEC_KINDS.includes(spec.kind)) {
      return { where: 'this machine', note: `ran on this machine: ${spec.kind} is not distributed (only ${REMOTE_TILE_SPEC_KINDS.join(', ')} jobs go to the workers of ${where})` }
    }
    return { where: `Redis workers via ${where}`, remote: { url: c.url, insecure: c.insecure } }
  }

  /** one connection attempt to the given Redis (or the saved one), with the error saying what went wrong */
  async test(p: { url?: string | undefined; insecure?: boolean | undefined }): Promise<{ where: string; serverVersion: string; latencyMs: number; workers: number }> {
    const saved = this.settings.settings.compute
    const raw = p.url ?? (saved.mode === 'redis' ? saved.url : null)
    if (raw === null) throw new UserError('no_redis', 'Compute is set to this machine: there is no Redis to test', 'Choose "Redis URL" and give redis://:PASSWORD@HOST:PORT/DB.')
    const insecure = p.insecure ?? (saved.mode === 'redis' ? saved.insecure : false)
    const c = this.unmask({ mode: 'redis', url: raw, insecure })
    if (c.mode !== 'redis') throw new Error('unreachable')
    const [{ checkRedisUrl, probeRedis }, { clusterStatus }] = await Promise.all([import('../cluster/connection'), import('../cluster/status')])
    const url = checkRedisUrl(c.url, c.insecure)
    const probe = await probeRedis(url)
    const status = await withTimeout(clusterStatus(url), probe.where)
    return { where: probe.where, serverVersion: probe.serverVersion, latencyMs: Math.round(probe.latencyMs * 10) / 10, workers: status.workers.length }
  }

  /** the saved Redis's workers and queue counts (the function `ntkw workers` prints); null when compute is local */
  async status(): Promise<ClusterStatus | null> {
    const c = this.settings.settings.compute
    if (c.mode !== 'redis') return null
    const [{ checkRedisUrl, probeRedis }, { clusterStatus }] = await Promise.all([import('../cluster/connection'), import('../cluster/status')])
    const url = checkRedisUrl(c.url, c.insecure)
    try {
      return await withTimeout(clusterStatus(url), redactRedisUrl(c.url))
    } catch (e) {
      // say why in the probe's words (refused, wrong password, ...), else as it came
      await probeRedis(url)
      throw e
    }
  }
}

function withTimeout<T>(p: Promise<T>, where: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new UserError('redis_timeout', `${where}: no answer within ${STATUS_TIMEOUT_MS / 1000} s`, 'Check that redis-server runs there (Settings ▸ Test connection says more).')), STATUS_TIMEOUT_MS)
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    )
  })
}
