import { utilityProcess } from 'electron'
import type { EngineLauncher } from '../services/engine-client'
import { engineHostScript, lowerPriority } from '../services/engine-client'
import { engineProcessEnv } from '../services/engine-env'
import type { FromEngine } from '../engine/protocol'

/** The engine as an Electron utilityProcess (a Node process Chromium manages; no Node in the renderer). */
export const utilityLauncher: EngineLauncher = () => {
  // env (services/engine-env.ts): Chromium starts an unsandboxed utility process by exec, not from its zygote,
  // so glibc reads the tunables there (not run on these machines: no Electron binary can be downloaded)
  const child = utilityProcess.fork(engineHostScript(), [], { serviceName: 'NTK Workbench engine', stdio: 'inherit', env: engineProcessEnv() })
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
