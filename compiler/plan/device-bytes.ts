import { uniformWords } from "../codegen/kernel.js";
import type { HostGraph, LaunchPlan, Step } from "./launch-plan.js";
import type { PoolLayout } from "./scratch-pool.js";

/** Buffer sizes as the GPU runtime allocates them: at least 16 bytes (WebGPU rejects empty bindings), whole vec4s. */
export function allocatedSize(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/**
 * The shared buffer name of each slot that holds data rather than a computed value: inputs (`input
 * x`; a graph's arrays `input graph.0` …), each array of an input's zero pattern (`pattern x.cols`)
 * and its values in column order (`input x by column`),
 * values computed once from the data (`host <digest>`) and graphs grouped by source. Programs of one
 * model share these buffers, so the device holds each once.
 */
export function dataBufferNames(s: LaunchPlan): Map<number, string> {
  const names = new Map<number, string>();
  for (const [name, slots] of s.inputs) slots.forEach((slot, j) => names.set(slot, slots.length > 1 ? `input ${name}.${j}` : `input ${name}`));
  // The zero pattern of an input is the same for every function that reads it (one data, one pattern).
  for (const { input, arrays } of s.patterns) for (const [array, slot] of Object.entries(arrays)) names.set(slot, `pattern ${input}.${array}`);
  for (const { input, slot } of s.columnValues) names.set(slot, `input ${input} by column`);
  for (const [id, slots] of s.hosted) {
    const name = s.hostedNames.get(id);
    if (name !== undefined) slots.forEach((slot, j) => names.set(slot, slots.length > 1 ? `${name}.${j}` : name));
  }
  const graphName = (graph: HostGraph) => ("input" in graph ? `input ${graph.input}` : s.hostedNames.get(graph.hosted));
  for (const { graph, slots } of s.bySource) {
    const name = graphName(graph);
    if (name !== undefined) slots.forEach((slot, j) => names.set(slot, `${name} by source.${j}`));
  }
  for (const { graph, by, slot } of s.graphOrders) {
    const name = graphName(graph);
    if (name !== undefined) names.set(slot, `${name} by ${by} degree`);
  }
  return names;
}

/** Offsets in a packed buffer are multiples of this (WebGPU's largest allowed minStorageBufferOffsetAlignment). */
export const PACK_ALIGNMENT = 256;

/** Where each named entry lies in one packed buffer, and the buffer's size. */
export interface PackLayout {
  offsets: ReadonlyMap<string, number>;
  bytes: number;
}

/**
 * Parameters and optimizer states share one buffer: entries in name order (deterministic), each
 * at an offset aligned for binding, each as large as its own buffer would be.
 */
export function packLayout(entries: ReadonlyMap<string, number>): PackLayout {
  const offsets = new Map<string, number>();
  let end = 0;
  for (const name of [...entries.keys()].sort()) {
    const at = Math.ceil(end / PACK_ALIGNMENT) * PACK_ALIGNMENT;
    offsets.set(name, at);
    end = at + allocatedSize(entries.get(name)!);
  }
  return { offsets, bytes: end === 0 ? 0 : allocatedSize(end) };
}

/** Every parameter (and optimizer state) the plans read, with its bytes: what the pack holds. */
export function packedParams(plans: readonly LaunchPlan[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of plans) for (const [name, slot] of s.params) out.set(name, Math.max(out.get(name) ?? 0, s.slots[slot].bytes));
  return out;
}

/**
 * The device memory a set of launch plans sharing named buffers (parameters, inputs) will
 * allocate, predicted before anything is allocated: every slot (padded), inputs once across
 * plans, parameters and optimizer states in one pack (packLayout), scratch buffers shared by the
 * plans once (scratch-pool.ts, when given), and one uniform buffer per launch of a kernel with
 * run-time sizes.
 */
export function deviceBytes(plans: readonly LaunchPlan[], pool?: PoolLayout): number {
  const named = new Map<string, number>();
  let own = 0;
  plans.forEach((s, p) => {
    const pooled = pool?.slots[p];
    const names = new Map<number, string>();
    for (const [slot, name] of dataBufferNames(s)) names.set(slot, name);
    for (const slot of s.params.values()) names.set(slot, "");
    s.slots.forEach((slot, k) => {
      const name = names.get(k);
      if (name) named.set(name, allocatedSize(slot.bytes));
      else if (name === "" || pooled?.has(k)) return; // packed, or a shared scratch buffer
      else own += allocatedSize(slot.bytes);
    });
    const uniforms = (steps: readonly Step[]): number =>
      steps.reduce((n, step) => {
        if (step.kind === "loop") return n + uniforms(step.body);
        if (step.kind !== "dispatch") return n;
        const words = uniformWords(s.kernels[step.kernel]);
        return n + (words ? allocatedSize(words * 4) : 0);
      }, 0);
    own += uniforms(s.steps);
  });
  for (const bytes of named.values()) own += bytes;
  const shared = (pool?.buffers ?? []).reduce((n, b) => n + b, 0);
  return own + shared + packLayout(packedParams(plans)).bytes;
}

/**
 * The staging buffer a function needs to copy a state entry within the parameter pack: WebGPU
 * copies only between two buffers, so a result that is a parameter, returned unchanged as another
 * entry's new value (`writes`: [result index, name of the entry it replaces]), is copied out and
 * back through it. One buffer per function, as large as its largest such copy;
 * 0 when it has none.
 */
export function packStagingBytes(s: LaunchPlan, writes: readonly (readonly [number, string])[]): number {
  const packed = new Set(s.params.values());
  let most = 0;
  for (const [k, name] of writes) {
    const [from] = s.results[k];
    if (packed.has(from) && s.params.get(name) !== from) most = Math.max(most, s.slots[from].bytes);
  }
  return most === 0 ? 0 : allocatedSize(most);
}
