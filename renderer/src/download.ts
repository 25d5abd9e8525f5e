// Offers a file to the user (browser and Electron alike): one definition for charts, metric exports and
// model files.

/** a data: or blob: URL as a download named `filename` */
export function downloadUrl(url: string, filename: string): void {
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
}

/** bytes or text as a download; the object URL is released once the browser has taken it */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  downloadUrl(url, filename)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
