import { readFileSync } from 'node:fs'

// The engine process's environment: the parent's, plus transparent huge pages for its large arrays on Linux.
// A fresh n × n float32 matrix is touched page by page; with 4 KiB pages each first touch is a page fault,
// and on the VMs these machines are (and many cloud machines) that costs ≈ 3 ms per MiB: 180–240 ms for a
// 64 MB matrix in Node against 17–59 ms in numpy, which asks the kernel for huge pages (madvise) on its own
// large arrays. glibc (≥ 2.35) does the same for every large malloc when GLIBC_TUNABLES holds
// glibc.malloc.hugetlb=1; V8 allocates typed arrays with malloc, so the engine's matrices get 2 MiB pages where
// the kernel's transparent huge pages are "madvise" or "always". The tunable is read when a process starts, so
// it is set for the processes we start (the engine process; `ntkw predict` relaunches itself, cli/relaunch.ts);
// other C libraries and older glibc ignore it. Measured at n = 4 000
// (docs/performance.md "Huge pages"): the KRR solve 0.55× the time, a whole `ntkw predict` 0.71×.

const TUNABLE = 'glibc.malloc.hugetlb'

const entries = (tunables: string | undefined): string[] => (tunables ?? '').split(':').filter((t) => t.length > 0)
const namesHugetlb = (entry: string): boolean => entry.split('=')[0] === TUNABLE

/** GLIBC_TUNABLES with glibc.malloc.hugetlb=1 added, keeping the user's tunables (theirs wins if set). */
export function withHugePages(tunables: string | undefined): string {
  const list = entries(tunables)
  return (list.some(namesHugetlb) ? list : [...list, `${TUNABLE}=1`]).join(':')
}

/**
 * The environment for an engine process: on Linux with huge pages for malloc (withHugePages) unless
 * NTKW_HUGEPAGES=0; elsewhere the parent's unchanged.
 */
export function engineProcessEnv(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux' || env.NTKW_HUGEPAGES === '0') return { ...env }
  return { ...env, GLIBC_TUNABLES: withHugePages(env.GLIBC_TUNABLES) }
}

/** Whether GLIBC_TUNABLES names glibc.malloc.hugetlb at all (the user chose, either way). */
export function hugePagesChosen(env: NodeJS.ProcessEnv = process.env): boolean {
  return entries(env.GLIBC_TUNABLES).some(namesHugetlb)
}

/** Whether this process was started with glibc's huge pages for malloc (for `ntkw info`). */
export function hugePagesRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return entries(env.GLIBC_TUNABLES).includes(`${TUNABLE}=1`)
}

export interface HugePageStatus {
  /** this process started with glibc.malloc.hugetlb=1 */
  requested: boolean
  /** the kernel's transparent-huge-page mode (null: not Linux, or not readable) */
  kernel: 'always' | 'madvise' | 'never' | null
}

/** What `ntkw info` says about huge pages: the tunable in this process and the kernel's THP mode. */
export function hugePageStatus(readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): HugePageStatus {
  let kernel: HugePageStatus['kernel'] = null
  try {
    kernel = (/\[(always|madvise|never)\]/.exec(readFile('/sys/kernel/mm/transparent_hugepage/enabled'))?.[1] as HugePageStatus['kernel']) ?? null
  } catch {
    /* not Linux, or no transparent huge pages in this kernel */
  }
  return { requested: hugePagesRequested(), kernel }
}

/** one line for `ntkw info` */
export function hugePageLine(s: HugePageStatus): string {
  if (s.kernel === null) return 'huge pages: not available here (no transparent huge pages: not Linux, or not readable)'
  if (s.kernel === 'never') return 'huge pages: off (the kernel\'s transparent huge pages are "never")'
  if (s.requested) return `huge pages: on for large arrays (GLIBC_TUNABLES ${TUNABLE}=1, kernel transparent huge pages "${s.kernel}")`
  return `huge pages: off in this process; the app's engine process and ntkw predict turn them on, GLIBC_TUNABLES=${TUNABLE}=1 does for other commands (glibc ≥ 2.35; kernel transparent huge pages "${s.kernel}")`
}
