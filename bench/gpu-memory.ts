// GPU memory of one training step as training allocates it: GpuRunner.open (the step and the
// evaluation programs sharing a BufferStore), one step run, and the bytes allocated, split by what
// the buffers hold. Every GPU buffer of a run is allocated at load and kept, so the sum is the peak.
import type { Func, Node, Type } from "../compiler/ir/types.js";
import type { TensorValue, Value } from "../compiler/ir/values.js";
import { planFunction, type GpuDevice } from "../runtime/gpu/index.js";
import { GpuRunner } from "../runtime/runner/index.js";
import { statePool } from "../compiler/plan/index.js";
import { LOSS_RESULT, TRAIN_STEP_FUNC } from "../compiler/train/index.js";

/** Bytes allocated on the GPU for one training run, measured (sizes of the buffers created). */
export interface GpuStepMemory {
  /** Every buffer the two programs and the shared store created (GpuRunner.memory().peakBytes). */
  allocated: number;
  /** The same, predicted from the launch plans before allocating (GpuRunner.memory().predictedBytes). */
  predicted: number;
  /**
   * The step program's buffers for values whose size depends on the graph (a node or edge count):
   * activations, the stacks kept for the backward (with the zeros they start from, computed once
   * on the host), their gradients, graph values computed once on the host. Not the data and its
   * layouts. Undefined when the allocations could not be matched to the step's launch plan.
   */
  activations?: number;
  /** Parameters and optimizer states (the shared store's parameter buffers, labelled `param…`). */
  parametersAndStates: number;
  /** Data and per-step inputs (the shared store's `input …` buffers). */
  inputs: number;
  /** The step program's other values: parameter-sized gradients, new weights and states, the loss, loop indices. */
  stepParameterSized?: number;
  /** The step program's buffers filled once at load that hold no value of the model: loop index tables, views and zero patterns of the data. */
  stepFilledOnce?: number;
  /** The rest: the evaluation program, kernel-size uniforms, the loss log. */
  rest: number;
  loss: number;
  loadMs: number;
  stepMs: number;
}

interface Allocation {
  label: string;
  bytes: number;
}

/** Record every buffer `gpu.createBuffer` makes while `body` runs (readback staging is made elsewhere and freed). */
async function recordAllocations<T>(gpu: GpuDevice, body: () => Promise<T>): Promise<{ result: T; log: Allocation[] }> {
  const log: Allocation[] = [];
  const own = Object.getOwnPropertyDescriptor(gpu, "createBuffer");
  const create = gpu.createBuffer.bind(gpu);
  gpu.createBuffer = (bytes, label, usage) => {
    const buffer = create(bytes, label, usage);
    log.push({ label: label ?? "", bytes: buffer.size });
    return buffer;
  };
  try {
    return { result: await body(), log };
  } finally {
    if (own) Object.defineProperty(gpu, "createBuffer", own);
    else Reflect.deleteProperty(gpu, "createBuffer");
  }
}

/** Every node of a function by id, region params and nested bodies included. */
function nodesById(func: Func): Map<number, Node> {
  const out = new Map<number, Node>();
  const visit = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      out.set(n.id, n);
      for (const r of n.regions ?? []) visit([...r.params, ...r.body]);
    }
  };
  visit(func.body);
  return out;
}

/** The symbols naming the function's graph sizes (`N`, `E`), from its graph inputs' types. */
function graphSymbols(func: Func): Set<string> {
  const names = new Set<string>();
  for (const n of func.body) {
    if (n.op !== "s.input" || n.type.kind !== "graph") continue;
    for (const d of [n.type.nodes, n.type.edges]) for (const token of String(d).match(/[A-Za-z_][A-Za-z0-9_.]*/g) ?? []) names.add(token);
  }
  return names;
}

function graphSized(type: Type, symbols: ReadonlySet<string>): boolean {
  switch (type.kind) {
    case "graph":
      return true;
    case "rng":
      return false;
    case "tuple":
      return type.items.some((t) => graphSized(t, symbols));
    case "tensor":
      return type.shape.some((d) => (String(d).match(/[A-Za-z_][A-Za-z0-9_.]*/g) ?? []).some((s) => symbols.has(s)));
  }
}

/**
 * The type of the value a step slot was made for, read from its label: `loop %id carried k[.j]`
 * (the loop's carried value k) or `<kernel> %id[.j]` / `host %id` (the value %id, tuple item j). A reused slot
 * is classed by this first value; reuse only shares equal sizes.
 */
function slotType(label: string, nodes: ReadonlyMap<number, Node>): Type | undefined {
  if (/^loop %\d+ index$/.test(label)) return undefined; // the iteration's i32 index, not the loop's value
  const carried = /^loop %(\d+) carried (\d+)(?:\.(\d+))?/.exec(label);
  const plain = carried ? undefined : /%(\d+)(?:\.(\d+))?/.exec(label);
  const node = nodes.get(Number((carried ?? plain)?.[1]));
  if (!node) return undefined;
  const type = carried ? node.regions?.[0].params[Number(carried[2]) + 1]?.type : node.type;
  const item = carried ? carried[3] : plain?.[2];
  return type?.kind === "tuple" && item !== undefined ? type.items[Number(item)] : type;
}

/**
 * Split the step program's buffers by what they hold: its own (matched to its launch plan by
 * label, in allocation order) and the scratch buffers it shares with the evaluation (the runner's
 * pool: compiler/plan/scratch-pool.ts), each counted for the step.
 */
function stepShares(funcs: { step: Func; predict: Func }, data: Readonly<Record<string, Value>>, params: Readonly<Record<string, TensorValue>>, symbols: Readonly<Record<string, number>>, log: readonly Allocation[]) {
  const { step } = funcs;
  const [plan, predictPlan] = [step, funcs.predict].map((f) => planFunction(f, { symbols, data }).launches);
  const pool = statePool([{ plan, resultNames: step.resultNames }, { plan: predictPlan, resultNames: funcs.predict.resultNames }], new Set(Object.keys(params)));
  const queues = new Map<string, number[]>();
  for (const a of log) {
    const q = queues.get(a.label);
    if (q) q.push(a.bytes);
    else queues.set(a.label, [a.bytes]);
  }
  const named = new Set([...plan.inputs.values()].flat().concat([...plan.params.values()]));
  // Filled once at load and not a value of the model: index tables, views and patterns of the data.
  const once = new Set([
    ...plan.constants.keys(),
    ...plan.bySource.flatMap((b) => b.slots),
    ...plan.graphOrders.map((o) => o.slot),
    ...plan.patterns.flatMap((p) => Object.values(p.arrays)),
    ...plan.columnValues.map((c) => c.slot),
  ]);
  const nodes = nodesById(step);
  const symbolsOfGraph = graphSymbols(step);
  const shares = { activations: 0, stepParameterSized: 0, stepFilledOnce: 0 };
  for (const [k, slot] of plan.slots.entries()) {
    if (named.has(k)) continue; // the shared store's, counted by name
    const shared = pool.slots[0].get(k);
    const bytes = shared !== undefined ? pool.buffers[shared] : queues.get(slot.label)?.shift();
    if (bytes === undefined) return undefined; // the runtime labels buffers differently now: no honest split
    if (once.has(k)) shares.stepFilledOnce += bytes;
    else {
      const type = slotType(slot.label, nodes);
      if (type && graphSized(type, symbolsOfGraph)) shares.activations += bytes;
      else shares.stepParameterSized += bytes;
    }
  }
  return shares;
}

/**
 * Load a training run on the GPU exactly as the trainer does, run one step and wait for its loss.
 * Throws what loading or the step throws (GpuKernelError: a buffer over the device's limits, …).
 */
export async function measureGpuStep(
  gpu: GpuDevice,
  funcs: { step: Func; predict: Func },
  data: Readonly<Record<string, Value>>,
  params: Readonly<Record<string, TensorValue>>,
  symbols: Readonly<Record<string, number>>,
  perStep: Readonly<Record<string, Value>>,
): Promise<GpuStepMemory> {
  const loadStart = performance.now();
  const { result: runner, log } = await recordAllocations(gpu, () => GpuRunner.open(gpu, { funcs: [funcs.step, funcs.predict], data, state: params, symbols }));
  try {
    const stepStart = performance.now();
    await runner.run(TRAIN_STEP_FUNC, perStep, { log: LOSS_RESULT });
    const [loss] = await runner.logged();
    const stepMs = performance.now() - stepStart;
    const memory = runner.memory();
    const allocated = memory.peakBytes;
    const logged = log.reduce((n, a) => n + a.bytes, 0);
    if (logged !== allocated) console.error(`note: buffers seen created (${logged} B) differ from the device's count (${allocated} B)`);
    const sum = (prefix: string) => log.filter((a) => a.label.startsWith(prefix)).reduce((n, a) => n + a.bytes, 0);
    const parametersAndStates = sum("param");
    const inputs = sum("input ");
    const shares = stepShares(funcs, data, params, symbols, log);
    if (!shares) console.error("note: the step's buffers could not be matched to its launch plan by label; activation share left out");
    const split = (shares?.activations ?? 0) + (shares?.stepParameterSized ?? 0) + (shares?.stepFilledOnce ?? 0);
    return {
      allocated,
      predicted: memory.predictedBytes,
      ...shares,
      parametersAndStates,
      inputs,
      rest: allocated - parametersAndStates - inputs - split,
      loss,
      loadMs: stepStart - loadStart,
      stepMs,
    };
  } finally {
    runner.destroy();
  }
}
