import { startEngineHost } from '../engine/host'

// The engine process's entry (built as engine-host.js): the engine host, handed the one thing the engine
// may not import itself, the Redis tile client for the runs the app sends to `ntkw worker` processes
// (Settings ▸ Compute). The cluster code loads only when such a run arrives.
startEngineHost({
  async remoteTiles(c, log) {
    const [{ checkRedisUrl, probeRedis }, { RedisTiles }] = await Promise.all([import('./connection'), import('./redis-tiles')])
    const url = checkRedisUrl(c.url, c.insecure)
    // a Redis that is down or refuses the password fails the run now, in words, instead of a run that waits
    // for ever (the coordinator's connection waits through restarts on purpose)
    await probeRedis(url)
    return new RedisTiles(url, log)
  },
})
