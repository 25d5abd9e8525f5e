/** CPU time (user + system, ms) of this process while `fn` runs: on a shared machine steadier than wall time. */
export function cpuTimeMs(fn: () => void): number {
  const c = process.cpuUsage()
  fn()
  const u = process.cpuUsage(c)
  return (u.user + u.system) / 1000
}
