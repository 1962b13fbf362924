import type { KernelSpec } from "../codegen/kernel.js";
import { mergedUpdateKernel, partSlots, type UpdatePart } from "../codegen/update-kernel.js";
import type { BindingLimits } from "./binding-split.js";
import type { Step } from "./launch-plan.js";

/**
 * Optimizer updates run as few launches as the device's bindings allow, not one per update: a
 * step's updates (weight decay, Adam's two moments and its step, for one parameter after another)
 * are elementwise and come one after another, so consecutive ones merge into one kernel
 * (codegen/update-kernel.ts `mergedUpdateKernel`), each parameter's bounded by its own element
 * count — on lavapipe each launch costs tens of µs whatever it does. Cora's GCN step had 14
 * update launches for 4 parameters; merged per parameter, 4; with a weight and its bias sharing
 * one (16 storage bindings), 2.
 *
 * Contract: the merged launch leaves every buffer as the launches one after another leave it (up
 * to a backend fusing a multiply and an add across what were two kernels: values now pass in
 * registers; on lavapipe the results are the same, and the GPU tests compare with the interpreter
 * at f32 tolerance).
 *
 * A run of consecutive top-level launches merges when each is an update kernel (KernelSpec
 * `update`) with the same workgroup, none binds a buffer in parts, no update writes a buffer
 * another reads as a scalar (element 0, read once per invocation), no buffer is read both as a
 * scalar and as a tensor, a tensor one update writes is read only by updates of the same element
 * count, and the distinct buffers fit the device's storage bindings. Loop bodies are left alone.
 * Kernels no launch uses any more are dropped, so none is compiled for nothing.
 */
export function mergeUpdates(steps: readonly Step[], kernels: readonly KernelSpec[], limits: BindingLimits): { steps: Step[]; kernels: KernelSpec[] } {
  const added: KernelSpec[] = [];
  const out: Step[] = [];
  let run: UpdatePart[] = [];
  let runSteps: Step[] = [];
  const flush = () => {
    if (run.length >= 2) {
      const totals = runSteps.map((s) => (s as Extract<Step, { kind: "dispatch" }>).sizes.total);
      const chains = chainsOf(totals);
      const { kernel, slots } = mergedUpdateKernel(run, chains);
      added.push(kernel);
      const sizes = Object.fromEntries(chains.map((c, k) => [`total${c}`, totals[k]]));
      out.push({ kind: "dispatch", kernel: kernels.length + added.length - 1, sizes, buffers: slots });
    } else out.push(...runSteps);
    run = [];
    runSteps = [];
  };
  for (const step of steps) {
    const part = step.kind === "dispatch" ? updatePart(kernels[step.kernel], step) : undefined;
    if (!part) {
      flush();
      out.push(step);
      continue;
    }
    if (run.length && !joins(run, runSteps, part, step, limits)) flush();
    run.push(part);
    runSteps.push(step);
  }
  flush();
  return usedKernels(out, [...kernels, ...added]);
}

/** The step as an update part, when its kernel is an update bound whole (not in parts). */
function updatePart(kernel: KernelSpec, step: Extract<Step, { kind: "dispatch" }>): UpdatePart | undefined {
  if (!kernel.update || kernel.bindings.some((b) => b.part)) return undefined;
  return { kernel, slots: step.buffers };
}

function joins(run: readonly UpdatePart[], runSteps: readonly Step[], part: UpdatePart, step: Step, limits: BindingLimits): boolean {
  const head = run[0].kernel;
  if (step.kind !== "dispatch" || runSteps.some((s) => s.kind !== "dispatch")) return false;
  if (head.update!.workgroup !== part.kernel.update!.workgroup) return false;
  const parts = [...run, part];
  const roles = parts.map(partSlots);
  const scalars = new Set(roles.flatMap((r) => r.scalars));
  // A buffer read as scalars (f32, element 0) is neither written nor read as vec4s in the kernel.
  const clash = roles.some((r) => scalars.has(r.output) || r.tensors.some((s) => scalars.has(s)));
  // A tensor is passed between updates of the same elements only (another parameter's is bounded apart).
  const total = step.sizes.total;
  const foreign = roles.slice(0, -1).some((r, k) => (runSteps[k] as Extract<Step, { kind: "dispatch" }>).sizes.total !== total && roles.at(-1)!.tensors.includes(r.output));
  const distinct = new Set(parts.flatMap((p) => p.slots)).size;
  return !clash && !foreign && distinct <= limits.maxStorageBindings;
}

/** Each update's chain: updates of one element count (one parameter's) share a number, in order of first appearance. */
function chainsOf(totals: readonly number[]): number[] {
  const seen: number[] = [];
  return totals.map((t) => {
    if (!seen.includes(t)) seen.push(t);
    return seen.indexOf(t);
  });
}

/** The steps with their kernels renumbered to the kernels some step launches, in order of first use. */
export function usedKernels(steps: readonly Step[], kernels: readonly KernelSpec[]): { steps: Step[]; kernels: KernelSpec[] } {
  const index = new Map<number, number>();
  const kept: KernelSpec[] = [];
  const renumber = (list: readonly Step[]): Step[] =>
    list.map((s) => {
      if (s.kind === "loop") return { ...s, body: renumber(s.body) };
      if (s.kind !== "dispatch") return s;
      if (!index.has(s.kernel)) {
        index.set(s.kernel, kept.length);
        kept.push(kernels[s.kernel]);
      }
      return { ...s, kernel: index.get(s.kernel)! };
    });
  const out = renumber(steps);
  return { steps: out, kernels: kept };
}
