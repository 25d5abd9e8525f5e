// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { takeToken } from '../../renderer/src/api/token'

describe('takeToken', () => {
  beforeEach(() => sessionStorage.clear())

  it('takes the token from the URL, stores it and removes it from the visible URL', () => {
    history.replaceState(null, '', '/index.html?token=abc123&x=1#/runs')
    expect(takeToken()).toBe('abc123')
    expect(location.search).toBe('?x=1')
    expect(location.hash).toBe('#/runs')
    expect(location.href).not.toContain('abc123')
    // after a reload the URL has no token: sessionStorage still has it
    expect(takeToken()).toBe('abc123')
  })

  it('returns null when there is no token anywhere', () => {
    history.replaceState(null, '', '/')
    expect(takeToken()).toBeNull()
  })
})
