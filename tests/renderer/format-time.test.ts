import { describe, expect, it } from 'vitest'
import { formatTime } from '../../renderer/src/format'

// Issue 21 item 10: times are shown with their dates, today's too, and the year when it is not this one.
describe('formatTime', () => {
  it('always names the day; a past year names the year', () => {
    const now = new Date()
    const today = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 9, 5, 7).getTime()
    const day = new Date(today).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
    expect(formatTime(today)).toContain(day)
    expect(formatTime(today)).toMatch(/09:05:07/)
    const old = new Date(2019, 2, 4, 12, 0, 0).getTime()
    expect(formatTime(old)).toContain('2019')
    expect(formatTime(null)).toBe('—')
  })
})
