import { UserError } from '../../../shared/errors'
import type { Granularity, RangeCalibration } from './types'

// The text forms used by the CLI flags and job specs: tensor | channel | group:G and
// minmax | percentile:P | mse | kl.

export function parseGranularityText(v: string, flag = 'granularity'): Granularity {
  if (v === 'tensor') return { kind: 'tensor' }
  if (v === 'channel') return { kind: 'channel' }
  const m = /^group:(\d+)$/.exec(v)
  if (m && Number(m[1]) >= 1) return { kind: 'group', size: Number(m[1]) }
  throw new UserError('bad_flag', `--${flag} ${v}: expected tensor, channel or group:G`, `e.g. --${flag} group:32 (32, 64, 128 are usual)`)
}

export function parseCalibrationText(v: string, flag = 'calib'): RangeCalibration {
  if (v === 'minmax') return { kind: 'minmax' }
  if (v === 'mse') return { kind: 'mse' }
  if (v === 'kl') return { kind: 'kl' }
  const m = /^percentile:([0-9.]+)$/.exec(v)
  if (m) {
    const p = Number(m[1])
    if (p > 50 && p <= 100) return { kind: 'percentile', p }
  }
  throw new UserError('bad_flag', `--${flag} ${v}: expected minmax, percentile:P (50 < P ≤ 100), mse or kl`, `e.g. --${flag} percentile:99.9`)
}
