import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { forkLauncher } from '../../electron/services/engine-client'
import { engineProcessEnv, hugePageLine, hugePageStatus, withHugePages } from '../../electron/services/engine-env'

const thpMode = hugePageStatus((p) => readFileSync(p, 'utf8')).kernel

describe('the engine process environment (huge pages for large arrays)', () => {
  it('adds glibc.malloc.hugetlb=1 to GLIBC_TUNABLES, keeping the user\'s tunables and their own hugetlb choice', () => {
    expect(withHugePages(undefined)).toBe('glibc.malloc.hugetlb=1')
    expect(withHugePages('')).toBe('glibc.malloc.hugetlb=1')
    expect(withHugePages('glibc.malloc.arena_max=2')).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1')
    expect(withHugePages('glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2')).toBe('glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2')
    expect(withHugePages('glibc.malloc.hugetlb=2')).toBe('glibc.malloc.hugetlb=2')
  })

  it('sets it on Linux only, and not with NTKW_HUGEPAGES=0; the rest of the environment is kept', () => {
    expect(engineProcessEnv({ PATH: '/bin' }, 'linux')).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' })
    expect(engineProcessEnv({ PATH: '/bin' }, 'darwin')).toEqual({ PATH: '/bin' })
    expect(engineProcessEnv({ PATH: '/bin' }, 'win32')).toEqual({ PATH: '/bin' })
    expect(engineProcessEnv({ PATH: '/bin', NTKW_HUGEPAGES: '0' }, 'linux')).toEqual({ PATH: '/bin', NTKW_HUGEPAGES: '0' })
  })

  it('says what applies in `ntkw info`', () => {
    expect(hugePageLine({ requested: true, kernel: 'madvise' })).toMatch(/^huge pages: on /)
    expect(hugePageLine({ requested: false, kernel: 'madvise' })).toMatch(/^huge pages: off in this process.*GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1/)
    expect(hugePageLine({ requested: true, kernel: 'never' })).toMatch(/"never"/)
    expect(hugePageLine({ requested: false, kernel: null })).toMatch(/not available/)
    expect(hugePageStatus(() => 'always madvise [never]\n').kernel).toBe('never')
    expect(hugePageStatus(() => {
      throw new Error('ENOENT')
    }).kernel).toBeNull()
  })

  it.runIf(process.platform === 'linux')('the engine process started for the app and `ntkw serve` has the tunable in its environment', async () => {
    const child = forkLauncher()
    try {
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0')
      expect(environ.find((v) => v.startsWith('GLIBC_TUNABLES='))).toMatch(/glibc\.malloc\.hugetlb=1/)
    } finally {
      child.kill()
    }
  })

  // the effect itself: a 64 MB typed array written once, then the process's huge pages counted by the kernel
  it.runIf(process.platform === 'linux' && (thpMode === 'madvise' || thpMode === 'always'))('with it, a large typed array gets huge pages where the kernel offers them on request', () => {
    const script = "const a = new Float32Array(16e6); a.fill(1); process.stdout.write(/AnonHugePages:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/smaps_rollup', 'utf8'))[1])"
    const kB = (env: NodeJS.ProcessEnv): number => Number(spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }).stdout)
    const base = { ...process.env }
    delete base.GLIBC_TUNABLES
    expect(kB(engineProcessEnv(base))).toBeGreaterThanOrEqual(2048)
    if (thpMode === 'madvise') expect(kB(base)).toBe(0)
  })
})
