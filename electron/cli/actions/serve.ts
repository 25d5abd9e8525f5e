import path from 'node:path'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { CliArgs } from '../command'
import { UserError } from '../../../shared/errors'
import { Services } from '../../services/services'
import { forkLauncher } from '../../services/engine-client'
import { defaultConfigDir } from '../../services/settings-store'
import { newToken, startServer } from '../../services/http-server'
import { existsSync as exists } from 'node:fs'
import { openStartupProject } from '../../services/startup-project'

function rendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const candidates = [path.resolve(here, '../renderer'), path.resolve(here, '../../out/renderer')]
  return candidates.find((c) => existsSync(path.join(c, 'index.html'))) ?? candidates[0]!
}

export async function run({ values, io }: CliArgs): Promise<number> {
  const port = Number(values.port ?? 5199)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError('usage', `--port must be an integer 0–65535, got '${values.port}'`)
  const host = (values.host as string | undefined) ?? '127.0.0.1'
  const staticDir = rendererDir()
  if (!existsSync(path.join(staticDir, 'index.html'))) io.err(`ntkw serve: warning: the renderer is not built (${staticDir}); run \`npm run build:renderer\`\n`)
  const services = new Services({ mode: 'serve', configDir: defaultConfigDir(), launcher: forkLauncher })
  if (values.project) {
    const file = path.resolve(values.project as string)
    if (exists(file)) services.project.open(file)
    else services.project.create(file)
  } else {
    await openStartupProject(services, null)
  }
  const server = await startServer({ services, host, port, staticDir, token: values['no-token'] ? null : newToken() })
  void services.engine.start().catch((e: Error) => io.err(`ntkw serve: engine failed to start: ${e.message}\n`))
  io.out(`NTKW_SERVE_URL=${server.url}\n`)
  io.err(`NTK Workbench is serving on ${server.url}\nopen that URL in a browser; Ctrl-C stops.\n`)
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await server.close()
  await services.dispose()
  return 0
}
