import type { CholLane } from './cholesky'
import { runCholUnit, type CholUnit, type CholViews } from './chol-units'

/** A failure slot and a wake-up for the one loop that waits on worker replies (cholesky.ts, LaneSet). */
export class Wakeable {
  protected failure: unknown = null
  private wake: (() => void) | null = null

  protected record(e: unknown): void {
    if (this.failure === null) this.failure = e
    this.signal()
  }

  protected signal(): void {
    const w = this.wake
    this.wake = null
    w?.()
  }

  protected sleep(): Promise<void> {
    return new Promise<void>((r) => (this.wake = r))
  }
}

/**
 * Independent units (no order among them) on this thread and on the lanes that are ready, all taking from
 * one queue: the refinement's residual rows and correction columns (refine.ts). Each unit writes its own
 * part of the shared buffers, so the result does not depend on who ran what.
 */
export class LaneSet extends Wakeable {
  private readonly idle: CholLane[] = []
  private kick: (() => void) | null = null

  constructor(
    lanes: CholLane[],
    private readonly onLaneFailure: () => void,
  ) {
    super()
    for (const lane of lanes) {
      lane.ready.then(
        () => {
          this.idle.push(lane)
          this.kick?.()
        },
        (e: unknown) => this.fail(e),
      )
    }
  }

  private fail(e: unknown): void {
    this.onLaneFailure()
    this.record(e)
  }

  async runAll(v: CholViews, units: CholUnit[]): Promise<void> {
    const queue = units.slice()
    let inflight = 0
    const dispatch = (): void => {
      while (this.failure === null && this.idle.length > 0 && queue.length > 0) {
        const lane = this.idle.pop()!
        const u = queue.shift()!
        inflight++
        lane.run(u).then(
          () => {
            inflight--
            this.idle.push(lane)
            dispatch()
            this.signal()
          },
          (e: unknown) => {
            inflight--
            this.fail(e)
          },
        )
      }
    }
    this.kick = dispatch
    try {
      for (;;) {
        if (this.failure !== null) break
        dispatch()
        const u = queue.shift()
        if (u) {
          runCholUnit(v, u)
          await new Promise((r) => setImmediate(r))
        } else if (inflight > 0) await this.sleep()
        else break
      }
      while (inflight > 0) await this.sleep()
    } finally {
      this.kick = null
    }
    if (this.failure !== null) throw this.failure
  }
}
