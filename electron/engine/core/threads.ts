import { Worker, workerData, type MessagePort } from 'node:worker_threads'

// Ending worker threads that may be inside a native call. worker.terminate() stops a thread wherever it is;
// inside onnxruntime-node's synchronous session run (blas/mlas.ts) the native call returns into a thread being
// terminated, the binding's error path throws a C++ Napi::Error that nothing catches, and the whole process
// aborts ("terminate called after throwing an instance of 'Napi::Error'"; before this, 3–18 % of `ntkw kernel`
// runs cancelled by Ctrl-C and half of the cancelled primal rf predicts: docs/performance.md). So a thread is
// asked to end instead: a flag in shared memory, read before each queued message, makes it skip the work queued
// behind the one in hand, and { type: 'end' } makes it exit from its own JavaScript once that one is done.
// terminate() stays as the last resort, after END_GRACE_MS: a kernel tile or Gram band takes 10 ms–1 s, so a
// thread still busy after that is stuck, or computing one very large tile or unit.

const END_GRACE_MS = 10_000
const STOP_KEY = 'ntkwEndRequested'

interface EndMessage {
  type: 'end'
}

const stopFlags = new WeakMap<Worker, Int32Array>()
const exited = new WeakSet<Worker>()
const endings = new WeakMap<Worker, Promise<void>>()
const pendingEnds = new Set<Promise<void>>()
const live = new Set<Worker>()

/** A worker thread that endThread can end without terminating it (its entry serves messages with serveInOrder). */
export function startThread(url: URL): Worker {
  const stop = new Int32Array(new SharedArrayBuffer(4))
  const w = new Worker(url, { workerData: { [STOP_KEY]: stop } })
  stopFlags.set(w, stop)
  live.add(w)
  w.once('exit', () => {
    exited.add(w)
    live.delete(w)
  })
  return w
}

/**
 * Asks a thread from startThread to end after the message it is handling, and resolves once it has exited.
 * It keeps the process alive meanwhile (ref), so a process ending on its own waits for it too.
 */
export function endThread(w: Worker): Promise<void> {
  let p = endings.get(w)
  if (p) return p
  p = new Promise<void>((resolve) => {
    if (exited.has(w)) return resolve()
    const last = setTimeout(() => void w.terminate().then(() => resolve()), END_GRACE_MS)
    w.once('exit', () => {
      clearTimeout(last)
      resolve()
    })
    w.ref()
    const stop = stopFlags.get(w)
    if (stop) Atomics.store(stop, 0, 1)
    w.postMessage({ type: 'end' } satisfies EndMessage)
  })
  endings.set(w, p)
  pendingEnds.add(p)
  void p.then(() => pendingEnds.delete(p))
  return p
}

/** Resolves when every thread being ended has exited: call before process.exit(), which would terminate them. */
export async function threadsEnded(): Promise<void> {
  while (pendingEnds.size > 0) await Promise.all(pendingEnds)
}

/** threads from startThread that have not exited (tests: a pool leaves none behind) */
export function liveThreads(): number {
  return live.size
}

/** In a thread from startThread: whether its owner asked it to end (work still queued is skipped). */
export function endRequested(): boolean {
  const stop = (workerData as Record<string, unknown> | null)?.[STOP_KEY]
  return stop instanceof Int32Array && Atomics.load(stop, 0) === 1
}

function isEndMessage(m: unknown): m is EndMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'end'
}

/**
 * In a worker thread: handles the port's messages one at a time, in order (init awaits a backend, and the
 * messages behind it must not race it); `now` takes the messages it returns true for at once, outside the
 * queue. After endThread's message (`onEnd` runs then) the thread exits between two messages, never inside
 * one, skipping those still queued.
 */
export function serveInOrder<M>(port: MessagePort, handle: (m: M) => Promise<void>, opts: { now?: (m: M) => boolean; onEnd?: () => void } = {}): void {
  let queue: Promise<void> = Promise.resolve()
  port.on('message', (m: M | EndMessage) => {
    if (isEndMessage(m)) {
      opts.onEnd?.()
      queue = queue.then(() => process.exit(0))
      return
    }
    if (opts.now?.(m)) return
    queue = queue.then(() => (endRequested() ? undefined : handle(m)))
  })
}
