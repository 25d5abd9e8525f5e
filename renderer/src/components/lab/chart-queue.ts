// Live runs update several charts from one fetch. Drawn in the same task they add up to a long main-thread
// task; queued, each chart draws in a task of its own, so input and scrolling get a turn in between.

const queue: (() => void)[] = []
let scheduled = false
const channel = typeof MessageChannel === 'function' ? new MessageChannel() : null

function runOne(): void {
  scheduled = false
  const job = queue.shift()
  job?.()
  if (queue.length) schedule()
}

function schedule(): void {
  if (scheduled) return
  scheduled = true
  if (channel) channel.port2.postMessage(null)
  else setTimeout(runOne, 0)
}
if (channel) channel.port1.onmessage = runOne

/** Runs `job` in its own task after the jobs queued before it; returns a function that drops it. */
export function enqueueDraw(job: () => void): () => void {
  queue.push(job)
  schedule()
  return () => {
    const i = queue.indexOf(job)
    if (i >= 0) queue.splice(i, 1)
  }
}
