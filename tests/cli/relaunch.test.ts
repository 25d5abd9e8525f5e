import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { wantsRelaunch } from '../../electron/cli/relaunch'
import { writeNpy } from '../../electron/engine/io/npy'
import { mulberry32 } from '../helpers/prng'
import { tempDir } from '../helpers/tmp'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** a child process of `pid`, from the process table (/proc/<pid>/stat's 4th field is the parent's pid) */
function childOf(pid: number): number | null {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) return Number(e)
    } catch {
      /* the process ended while the table was read */
    }
  }
  return null
}
const linux = process.platform === 'linux'

describe('ntkw predict runs in a child process with huge pages (Linux)', () => {
  it('relaunches predict only, only on Linux, and never when the user chose (NTKW_HUGEPAGES=0 or any glibc.malloc.hugetlb) or in the child', () => {
    expect(wantsRelaunch(['predict', '--x-train', 'a.npy'], {}, 'linux')).toBe(true)
    expect(wantsRelaunch(['predict', '--x-train', 'a.npy'], {}, 'darwin')).toBe(false)
    expect(wantsRelaunch(['predict', '--help'], {}, 'linux')).toBe(false)
    expect(wantsRelaunch(['kernel', '--x', 'a.npy'], {}, 'linux')).toBe(false)
    expect(wantsRelaunch([], {}, 'linux')).toBe(false)
    expect(wantsRelaunch(['predict'], { NTKW_HUGEPAGES: '0' }, 'linux')).toBe(false)
    expect(wantsRelaunch(['predict'], { NTKW_RELAUNCHED: '1' }, 'linux')).toBe(false)
    expect(wantsRelaunch(['predict'], { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux')).toBe(false)
    expect(wantsRelaunch(['predict'], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux')).toBe(true)
  })

  it.runIf(linux)('the child has the tunable; SIGINT to the command cancels the job in the child: exit 130, no output, no process left', async () => {
    const tmp = tempDir('relaunch')
    try {
      const rand = mulberry32(3)
      const n = 3000
      const d = 64
      writeNpy(path.join(tmp.dir, 'x.npy'), Float32Array.from({ length: n * d }, () => rand() - 0.5), [n, d])
      writeNpy(path.join(tmp.dir, 'y.npy'), Float32Array.from({ length: n * 2 }, () => rand() - 0.5), [n, 2])
      const out = path.join(tmp.dir, 'p.npy')
      const env = { ...process.env }
      delete env.GLIBC_TUNABLES
      delete env.NTKW_HUGEPAGES
      const cli = spawn(process.execPath, [path.join(root, 'bin/ntkw.js'), 'predict', '--x-train', 'x.npy', '--y-train', 'y.npy', '--x-test', 'x.npy', '--depth', '20', '--activation', 'relu', '--out', out], { cwd: tmp.dir, env, stdio: ['ignore', 'ignore', 'pipe'] })
      let err = ''
      let childPid: number | null = null
      let childEnv = ''
      let sent = false
      const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)))
      cli.stderr.on('data', (b: Buffer) => {
        err += b.toString()
        // the job's progress comes from the child: find it, read its environment, then cancel
        if (!sent && /\d+%/.test(err)) {
          sent = true
          childPid = childOf(cli.pid!)
          childEnv = childPid === null ? '' : readFileSync(`/proc/${childPid}/environ`, 'utf8')
          cli.kill('SIGINT')
        }
      })
      const code = await exited
      expect(sent).toBe(true)
      expect(childEnv.split('\0')).toContain('GLIBC_TUNABLES=glibc.malloc.hugetlb=1')
      expect(code).toBe(130)
      expect(err).toMatch(/cancelled/)
      expect(existsSync(out)).toBe(false)
      // the child ended with the command
      expect(existsSync(`/proc/${childPid}`) && !readFileSync(`/proc/${childPid}/stat`, 'utf8').includes(') Z ')).toBe(false)
    } finally {
      tmp.cleanup()
    }
  }, 120_000)
})
