import os from 'node:os'
import type { CliArgs } from '../command'
import { adapterLabel, BackendChoice, gemmLabel } from '../../../shared/index'
import { initBackend, packageVersions } from '../../engine/runtime/backend'
import { APP_VERSION } from '../../engine/runtime/version'
import { hugePageLine, hugePageStatus } from '../../services/engine-env'

export async function run({ values, io }: CliArgs): Promise<number> {
  const choice = BackendChoice.parse(values.backend ?? 'auto')
  const info = await initBackend(choice)
  const versions = { ntkw: APP_VERSION, ...packageVersions() }
  const cores = os.availableParallelism()
  const hugePages = hugePageStatus()
  if (values.json) {
    io.out(JSON.stringify({ versions, backend: info, cores, platform: `${process.platform}-${process.arch}`, hugePages }, null, 2) + '\n')
    return 0
  }
  const lines = [
    `ntkw ${APP_VERSION} (NTK Workbench)`,
    `platform: ${process.platform}-${process.arch}, ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    'versions:',
    ...Object.entries(versions).map(([k, v]) => `  ${k}: ${v}`),
    'backends tried:',
    ...info.tried.map(
      (t) =>
        `  ${t.ok ? 'ok  ' : 'no  '} ${t.name.padEnd(14)} ${t.package}${t.adapter ? `\n         adapter: ${adapterLabel(t.adapter)}` : ''}${t.reason ? `\n         ${t.reason}` : ''}`,
    ),
    `active backend: ${info.active}${info.wasmSimd !== undefined ? ` (SIMD ${info.wasmSimd ? 'on' : 'off'}, ${info.wasmThreads ?? 1} thread per process)` : ''}${info.adapter ? ` on ${adapterLabel(info.adapter)}` : ''}`,
    ...(info.gemm ? [`float32 GEMM: ${gemmLabel(info.gemm)}`] : []),
    hugePageLine(hugePages),
  ]
  io.out(lines.join('\n') + '\n')
  return 0
}
