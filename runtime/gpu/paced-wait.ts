/**
 * Waiting for a software device without spinning a core.
 *
 * dawn.node completes asynchronous work (a buffer map, onSubmittedWorkDone, …) by polling: each
 * poll processes Dawn's events and, while anything is outstanding, schedules the next poll with
 * the global `setImmediate`. A wait for the device therefore keeps one CPU core busy for as long
 * as it lasts. On a real GPU that costs power; on a software adapter (lavapipe) the device's
 * kernels run on the same cores, so the polling thread takes CPU from the work it waits for
 * (measured on the 2-core machine, default lavapipe threads: ten Cora GCN steps back to back,
 * 58 ms with spinning polls, 43 ms with napping ones).
 *
 * `pacedWait(p)` makes polls nap while `p` is pending: once the wait has lasted `SPIN_MS`, each
 * `setImmediate` callback first sleeps (Atomics.wait: the thread is descheduled, no CPU) for a
 * twentieth of the time waited so far, at most `MAX_NAP_MS`. A wait so ends at most about 5% (and
 * 1 ms) after the device finished, and a short one is not delayed at all. Outside paced waits
 * `setImmediate` behaves as Node's own. The hook is installed at the first paced wait: dawn.node
 * looks the global up each time it schedules a poll, so a later hook still takes effect.
 */
import { promisify } from "node:util";

/** Waits shorter than this are plain spinning polls (no nap, no added latency). */
const SPIN_MS = 0.2;
/** The longest nap between two polls. */
const MAX_NAP_MS = 1;
/** A nap is this fraction of the time waited so far (so the added latency stays near 5%). */
const NAP_FRACTION = 1 / 20;

/** Start times of the paced waits in flight, by wait. */
const inFlight = new Map<number, number>();
let nextWait = 0;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let installed = false;

/** Sleep before a poll when a paced wait has lasted long enough (see the file comment). */
function napBeforePoll(): void {
  if (inFlight.size === 0) return;
  const waited = performance.now() - Math.min(...inFlight.values());
  if (waited < SPIN_MS) return;
  Atomics.wait(sleeper, 0, 0, Math.min(MAX_NAP_MS, waited * NAP_FRACTION));
}

/** Route `setImmediate` callbacks through napBeforePoll (once per process; idempotent). */
export function installPacedPolling(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.setImmediate;
  const paced = ((callback: (...args: unknown[]) => void, ...args: unknown[]) =>
    original((...a: unknown[]) => {
      napBeforePoll();
      callback(...a);
    }, ...args)) as unknown as typeof setImmediate;
  // util.promisify(setImmediate) and other readers of the function's own properties see Node's.
  Object.assign(paced, original);
  Object.defineProperty(paced, promisify.custom, { value: (original as unknown as Record<symbol, unknown>)[promisify.custom] });
  globalThis.setImmediate = paced;
}

/** Await `p`, letting dawn.node's polls nap while it is pending. */
export async function pacedWait<T>(p: Promise<T>): Promise<T> {
  installPacedPolling();
  const wait = nextWait++;
  inFlight.set(wait, performance.now());
  try {
    return await p;
  } finally {
    inFlight.delete(wait);
  }
}
