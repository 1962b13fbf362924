import { parentPort } from "node:worker_threads";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { openDevice, type GpuBackend, type GpuDevice } from "../gpu/index.js";
import { openRunner } from "./open.js";
import type { Runner, RunnerMemory, RunnerProgram } from "./runner.js";
import { decode, encode, type Wire } from "./wire.js";

/**
 * One device of a partitioned runner (./partitioned.ts), in a worker thread: a runner of its own
 * (on a Dawn device of its own, or the reference interpreter) over the functions of its group of
 * parts. Messages are handled one at a time, in the order they were posted, so a `get` returns
 * the value current after every run posted before it. A failure is kept and answered to every
 * later request, which is where the main thread learns of it.
 */

export type DeviceRequest = { kind: "gpu"; backend: GpuBackend } | { kind: "reference" };

export type ToWorker =
  | { op: "open"; program: RunnerProgram; device: DeviceRequest; levels: Record<string, Float32Array> }
  | { op: "run"; func: string; inputs: Record<string, Value>; log?: string }
  | { op: "set"; values: Record<string, Wire> }
  | { op: "get"; id: number; names: string[] }
  | { op: "read"; id: number; func: string; result: string }
  | { op: "logged"; id: number }
  | { op: "finish"; id: number }
  | { op: "close" };

export type FromWorker = { id: number; ok: true; value: unknown; memory: RunnerMemory } | { id: number; ok: false; error: string };

const port = parentPort!;
let runner: Runner | undefined;
let gpu: GpuDevice | undefined;
let levels: Record<string, Float32Array> = {};
let failure: string | undefined;
let queue: Promise<void> = Promise.resolve();

/** Answer request `id`: the value, or why there is none. Every request is answered, once. */
async function reply(id: number, value: () => Promise<unknown>): Promise<void> {
  if (failure !== undefined) return port.postMessage({ id, ok: false, error: failure } satisfies FromWorker);
  try {
    const v = await value();
    port.postMessage({ id, ok: true, value: v, memory: runner!.memory() } satisfies FromWorker, transferables(v));
  } catch (e) {
    port.postMessage({ id, ok: false, error: describe(e) } satisfies FromWorker);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The array buffers of wire values, moved rather than copied. */
function transferables(v: unknown): ArrayBuffer[] {
  if (typeof v !== "object" || v === null) return [];
  const out: ArrayBuffer[] = [];
  for (const w of Object.values(v as Record<string, Wire>)) {
    const a = w && typeof w === "object" && "kind" in w ? (w.kind === "f32" ? w.data : w.packed) : undefined;
    if (a && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) out.push(a.buffer);
  }
  return out;
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.op) {
    case "open":
      levels = m.levels;
      if (m.device.kind === "gpu") gpu = await openDevice({ backends: [m.device.backend] });
      runner = await openRunner(m.program, gpu);
      return;
    case "run":
      return runner!.run(m.func, m.inputs, m.log ? { log: m.log } : {});
    case "set":
      return runner!.setState(Object.fromEntries(Object.entries(m.values).map(([name, w]) => [name, decode(w, levels[name])])));
    case "get":
      return reply(m.id, async () => {
        const state = await runner!.state(m.names);
        // Copies: the wire's buffers are moved to the main thread, and a runner may hand out its own.
        return Object.fromEntries(Object.entries(state).map(([name, t]) => [name, encode(name, { ...t, data: t.data.slice() } as TensorValue, levels[name])]));
      });
    case "read":
      return reply(m.id, () => runner!.read(m.func, m.result));
    case "logged":
      return reply(m.id, () => runner!.logged());
    case "finish":
      return reply(m.id, () => runner!.finish());
    case "close":
      runner?.destroy();
      gpu?.destroy();
      port.close();
      return;
  }
}

port.on("message", (m: ToWorker) => {
  queue = queue.then(async () => {
    if (failure !== undefined && m.op !== "close" && !("id" in m)) return;
    try {
      await handle(m);
    } catch (e) {
      failure ??= `${m.op === "run" ? `running \`${m.func}\`` : m.op}: ${describe(e)}`;
      if ("id" in m) port.postMessage({ id: m.id, ok: false, error: failure } satisfies FromWorker);
    }
  });
});
