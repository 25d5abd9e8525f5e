import { utilityProcess } from 'electron'
import type { EngineLauncher } from '../services/engine-client'
import { engineHostScript, lowerPriority } from '../services/engine-client'
import type { FromEngine } from '../engine/protocol'

/** The engine as an Electron utilityProcess (a Node process Chromium manages; no Node in the renderer). */
export const utilityLauncher: EngineLauncher = () => {
  const child = utilityProcess.fork(engineHostScript(), [], { serviceName: 'NTK Workbench engine', stdio: 'inherit' })
  child.once('spawn', () => lowerPriority(child.pid))
  return {
    send: (m) => child.postMessage(m),
    onMessage: (l) => child.on('message', (m: unknown) => l(m as FromEngine)),
    onExit: (l) => child.on('exit', (code: number) => l(code, null)),
    kill: () => {
      child.kill()
    },
    get pid() {
      return child.pid
    },
  }
}
