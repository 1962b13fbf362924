import { formatLocation } from "../../grammar/span.js";
import { CodegenError } from "../codegen/emit-context.js";
import { hasKernel } from "../codegen/emit.js";
import { LEAF_OPS } from "../ir/ops/struct.js";
import { loopOf, tupleIndex } from "../ir/struct-views.js";
import type { Func, Node } from "../ir/types.js";
import { BufferAssignment } from "./buffer-assignment.js";
import type { LaunchPlan, LaunchPlanOptions } from "./launch-plan.js";
import { DEFAULT_BINDING_LIMITS } from "./binding-split.js";
import { LaunchLowering } from "./launch-lowering.js";
import { hostedNames } from "./hosted-names.js";
import { mergeUpdates } from "./merge-updates.js";
import { mergeLaunches } from "./merge-launches.js";

/**
 * Plan `func`'s launches. Ops without a kernel are reported all at once, each with its `.gnn`
 * location, as one CodegenError: nothing half-runs on the GPU.
 */
export function planLaunches(func: Func, options: LaunchPlanOptions): LaunchPlan {
  const missing = missingKernels(func.body, options.hosted ?? new Set());
  if (missing.length) {
    const list = [...new Set(missing.map((n) => `\`${n.op}\`${n.span ? ` (${formatLocation(n.span)})` : ""}`))].join(", ");
    throw new CodegenError(missing[0].op, `no WGSL kernel yet for ${list}`, missing[0].span);
  }
  const buffers = new BufferAssignment(options.symbols);
  const lowering = new LaunchLowering(options, buffers);
  const limits = options.limits ?? DEFAULT_BINDING_LIMITS;
  const updates = mergeUpdates(lowering.func(func), lowering.kernels, limits);
  const { steps, kernels } = mergeLaunches(updates.steps, updates.kernels, limits, buffers.slots);
  return {
    slots: buffers.slots,
    kernels,
    steps,
    inputs: buffers.inputs,
    params: buffers.params,
    hosted: buffers.hosted,
    hostedNames: hostedNames(func, buffers.hosted.keys()),
    constants: lowering.constants,
    bySource: lowering.bySource,
    graphOrders: lowering.graphOrders,
    keyFolds: lowering.keyFolds,
    compact: [...buffers.inputs.keys()].filter((name) => options.patterned?.has(name)),
    patterns: lowering.compact.patterns,
    columnValues: lowering.compact.columnValues,
    results: func.results.map((id) => lowering.resultSlots(id)),
    reusable: buffers.reusable,
  };
}

/** Nodes that would need a kernel and have none (loop bodies included; top-level host values need none). */
function missingKernels(body: readonly Node[], hosted: ReadonlySet<number>, top = true): Node[] {
  const out: Node[] = [];
  for (const n of body) {
    if (top && hosted.has(n.id)) continue;
    const loop = loopOf(n);
    if (loop) out.push(...missingKernels(loop.body.body, hosted, false));
    // Leaves and tuple items are bound to buffers, not computed.
    else if (!LEAF_OPS.has(n.op) && tupleIndex(n) === undefined && !hasKernel(n.op)) out.push(n);
  }
  return out;
}
