import { mkdirSync, writeFileSync, statSync, rmSync } from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import type { ArtifactInfo } from '../../../shared/index'
import { writeNpy } from '../io/npy'
import { NpyTileWriter } from '../io/npy-tile-writer'
import type { ArtifactSink, TiledArtifactWriter } from '../core/artifact-sink'

/**
 * Artifacts as files in a folder (`ntkw run --out DIR`, `ntkw kernel --out K.npy`): arrays as .npy,
 * JSON as .json. `paths` maps an artifact name to an exact file path chosen by the user.
 */
export class DirArtifactSink implements ArtifactSink {
  readonly written: ArtifactInfo[] = []
  constructor(
    private readonly dir: string,
    private readonly paths: Record<string, string> = {},
  ) {}

  private target(name: string, ext: string): string {
    const p = this.paths[name] ?? path.join(this.dir, `${name}${ext}`)
    mkdirSync(path.dirname(path.resolve(p)), { recursive: true })
    return path.resolve(p)
  }

  private record(info: ArtifactInfo): ArtifactInfo {
    this.written.push(info)
    return info
  }

  saveArray(name: string, data: Float32Array | Float64Array, shape: number[]): ArtifactInfo {
    const p = this.target(name, '.npy')
    writeNpy(p, data, shape)
    return this.record({ id: randomUUID(), name, type: 'npy', shape, bytes: statSync(p).size, path: p })
  }

  saveJson(name: string, value: unknown): ArtifactInfo {
    const p = this.target(name, '.json')
    writeFileSync(p, JSON.stringify(value, null, 2) + '\n')
    return this.record({ id: randomUUID(), name, type: 'json', bytes: statSync(p).size, path: p })
  }

  openTiled(name: string, rows: number, cols: number): TiledArtifactWriter {
    const p = this.target(name, '.npy')
    const w = new NpyTileWriter(p, rows, cols)
    return {
      writeTile: (r0, c0, r, c, tile) => w.writeTile(r0, c0, r, c, tile),
      close: () => {
        w.close()
        return this.record({ id: randomUUID(), name, type: 'npy', shape: [rows, cols], bytes: statSync(p).size, path: p })
      },
      abort: () => {
        w.abort()
        rmSync(p, { force: true })
      },
    }
  }
}
