/** Thrown by `JobContext.throwIfCancelled()` once cancel was requested; runners let it propagate. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled')
    this.name = 'CancelledError'
  }
}
