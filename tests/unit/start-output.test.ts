import { describe, expect, it } from 'vitest'
// @ts-expect-error plain ESM script without types
import { downloadFailureReason } from '../../scripts/start.mjs'

// Issue 14 #7: `npm start` says in one line why the desktop shell is unavailable: the download's cause,
// not Electron's stack trace or its "delete node_modules/electron" advice.
describe('npm start output', () => {
  it('reduces a failed Electron download to its cause', () => {
    const out = `node:internal/deps/undici/undici:13510
      Error.captureStackTrace(err);
            ^

TypeError: fetch failed
    at node:internal/deps/undici/undici:13510:13
    at async downloadArtifact (/x/node_modules/@electron/get/dist/index.js:1:1) {
  [cause]: Error: getaddrinfo ENOTFOUND github.com
      at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:120:26)
}
Electron failed to install correctly. Please delete \`node_modules/electron\` and run "npx install-electron --no" manually.`
    expect((downloadFailureReason as (s: string) => string)(out)).toBe('getaddrinfo ENOTFOUND github.com')
    expect((downloadFailureReason as (s: string) => string)('TypeError: fetch failed\n    at x')).toBe('fetch failed')
    expect((downloadFailureReason as (s: string) => string)('HTTPError: Response code 404 (Not Found)')).toBe('Response code 404 (Not Found)')
  })
})
