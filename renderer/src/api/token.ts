const KEY = 'ntkw.token'

/**
 * The WebSocket token of `ntkw serve` arrives in the page URL (?token=…). It is kept in sessionStorage so a
 * reload still works, and removed from the visible URL so it does not end up in screenshots or bookmarks.
 */
export function takeToken(loc: Location = location, storage: Storage = sessionStorage, hist: History = history): string | null {
  const url = new URL(loc.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    storage.setItem(KEY, fromUrl)
    url.searchParams.delete('token')
    hist.replaceState(hist.state, '', url.pathname + url.search + url.hash)
    return fromUrl
  }
  return storage.getItem(KEY)
}
