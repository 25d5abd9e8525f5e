import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

/**
 * Linux: Dawn dlopens the Vulkan loader and, without one, prints a warning on stderr and finds no
 * adapter. Looking for the library first (the loader's cache, LD_LIBRARY_PATH) keeps `auto` quiet and
 * saves loading Dawn on machines without Vulkan. Its own module, without tfjs or Dawn: runtime/backend-plan.ts
 * asks it too, to know without loading tfjs that `auto` would find no WebGPU adapter.
 */
export function missingVulkanLoader(): string | null {
  if (process.platform !== 'linux') return null
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)
  if (dirs.some((d) => existsSync(path.join(d, 'libvulkan.so.1')))) return null
  try {
    if (readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1')) return null
  } catch {
    return null // no cache to read: let Dawn look for itself
  }
  for (const d of ['/usr/lib', '/usr/lib64', '/lib', `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`]) {
    if (existsSync(path.join(d, 'libvulkan.so.1'))) return null
  }
  return 'no WebGPU adapter: the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: libvulkan1; Fedora: vulkan-loader), and Dawn needs it with a Vulkan driver for the GPU'
}
