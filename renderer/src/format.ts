/** Small display helpers shared by tables, cards and the status bar. */

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`
  const h = Math.floor(m / 60)
  return `${h} h ${m - h * 60} min`
}

/** seconds remaining → "12 s left" */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return ''
  return `${formatDuration(seconds * 1000)} left`
}

export function formatTime(t: number | null | undefined): string {
  if (!t) return '—'
  // always with its date: a list read next week must not show today's-looking times
  const d = new Date(t)
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
  const sameYear = d.getFullYear() === new Date().getFullYear()
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) })} ${time}`
}

export function formatPercent(f: number): string {
  return `${Math.round(f * 100)}%`
}

export function formatNumber(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2)
  return x.toLocaleString('en-US', { maximumSignificantDigits: digits })
}

export function formatBytes(b: number | undefined): string {
  if (b === undefined) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = b
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 && i > 0 ? 1 : 0)} ${units[i]}`
}

/** 1048576 → "1M", 4096 → "4K" (element counts) */
export function formatCount(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)}M`
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}K`
  return n.toLocaleString('en-US')
}

export function runDuration(r: { startedAt: number | null; finishedAt: number | null }, now = Date.now()): number | null {
  if (!r.startedAt) return null
  return (r.finishedAt ?? now) - r.startedAt
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 })
/** axis ticks: 1200000 → "1.2M", 0.00012 → "1.2e-4" */
export function formatTick(x: number): string {
  const a = Math.abs(x)
  if (a !== 0 && a < 1e-3) return x.toExponential(1)
  return a >= 1e4 ? compact.format(x) : x.toLocaleString('en-US', { maximumSignificantDigits: 4 })
}
