import { startEngineHost } from '../engine/host'

// The engine process's entry (built as engine-host.js): the engine host, handed the one thing the engine
// may not import itself, the Redis tile client for the runs the app sends to `ntkw worker` processes
// (Settings ▸ Compute). The cluster code loads only when such a run arrives.
startEngineHost({
  async remoteTiles(c, log) {
    const [{ checkRedisUrl }, { RedisTiles }] = await Promise.all([import('./connection'), import('./redis-tiles')])
    return new RedisTiles(checkRedisUrl(c.url, c.insecure), log)
  },
})
