import { ClusterNetArch, type ClusterKernelSpec } from '../../shared/cluster'
import { FcArch } from '../../shared/arch'
import { CancelledError } from '../engine/core/cancel'
import type { RemoteTileRun, RemoteTiles } from '../engine/core/remote-tiles'
import { redactUrl } from './connection'
import { CancelledRun, distributeTiles, type DistributedKernelResult } from './coordinator'

/**
 * The engine's RemoteTiles on Redis: a job (kernel, predict, the GUI's runs) hands its tile plan here and
 * gets each tile back to finish as a local one. One Redis run per kernel the job computes.
 */
export class RedisTiles implements RemoteTiles {
  readonly where: string
  /** the runs this object carried, newest last (for the closing notes) */
  readonly runs: DistributedKernelResult[] = []
  constructor(
    private readonly url: URL,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.where = redactUrl(url)
  }

  async run(r: RemoteTileRun): Promise<void> {
    const spec: ClusterKernelSpec = {
      ...('fc' in r.arch ? { arch: FcArch.parse(r.arch.fc) } : { net: ClusterNetArch.parse(r.arch) }),
      kernels: r.kernels,
      tileSize: r.tileSize,
    }
    try {
      const done = await distributeTiles({
        url: this.url,
        x: r.x,
        xRows: r.xRows,
        x2: r.x2,
        x2Rows: r.x2Rows,
        d: r.d,
        spec,
        tiles: r.tiles,
        ...(r.signal ? { signal: r.signal } : {}),
        log: (line) => (r.log ?? this.log)(line),
        onTile: (t, tile) => r.onTile(t, { ...(tile.ntk ? { ntk: tile.ntk } : {}), ...(tile.nngp ? { nngp: tile.nngp } : {}) }),
      })
      this.runs.push(done)
    } catch (e) {
      if (e instanceof CancelledRun) throw new CancelledError()
      throw e
    }
  }
}
