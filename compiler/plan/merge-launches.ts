import { mergeablePart, mergedKernel, workgroupBytes, WORKGROUP_STORAGE_BYTES, type LaunchPart } from "../codegen/merge-kernels.js";
import type { KernelSpec } from "../codegen/kernel.js";
import type { BindingLimits } from "./binding-split.js";
import type { Slot, Step } from "./launch-plan.js";
import { usedKernels } from "./merge-updates.js";

/**
 * Independent launches share one dispatch (codegen/merge-kernels.ts): a training step's backward
 * has several — a bias's gradient beside the propagation of the same gradient, the loss beside
 * its gradient, one parameter's update beside the next layer's products. On lavapipe each launch
 * costs tens of µs, and a launch of one workgroup keeps one core busy while the others wait.
 *
 * A list schedule over each run of dispatches (copies and loops stay where they are; a loop's
 * body is scheduled on its own): a launch depends on every earlier one that writes a buffer it
 * reads or writes, or reads a buffer it writes — by slot, and slots of computed values are
 * reused as values die, so a launch never moves above the last reader of the buffer it
 * overwrites. Each launch joins the first group after all it depends on where it fits: same
 * workgroup size, storage bindings within the device's, workgroup memory within every device's,
 * no buffer bound whole over the binding limit, at most MERGED_WORKGROUPS workgroups in all;
 * else it starts a group of its own at the end. A group of one is the launch as it was.
 *
 * Contract: every buffer ends as the launches in their original order leave it (each launch's
 * reads and writes are only reordered against launches they share no written buffer with).
 */
export function mergeLaunches(steps: readonly Step[], kernels: readonly KernelSpec[], limits: BindingLimits, slots: readonly Slot[]): { steps: Step[]; kernels: KernelSpec[] } {
  const all = [...kernels];
  const byWgsl = new Map(all.map((k, i) => [k.wgsl, i]));
  const kernelOf = (k: KernelSpec) => {
    const known = byWgsl.get(k.wgsl);
    if (known !== undefined) return known;
    all.push(k);
    byWgsl.set(k.wgsl, all.length - 1);
    return all.length - 1;
  };
  const schedule = (list: readonly Step[]): Step[] => {
    const out: Step[] = [];
    let run: Dispatch[] = [];
    const flush = () => {
      out.push(...groupRun(run, all, limits, slots).map((g) => emit(g, all, kernelOf)));
      run = [];
    };
    for (const step of list) {
      if (step.kind === "dispatch") {
        run.push(step);
        continue;
      }
      flush();
      out.push(step.kind === "loop" ? { ...step, body: schedule(step.body) } : step);
    }
    flush();
    return out;
  };
  const merged = schedule(steps);
  return usedKernels(merged, all);
}

type Dispatch = Extract<Step, { kind: "dispatch" }>;

/**
 * The most workgroups a merged launch holds. What a merge saves is a launch's own cost (about
 * 20 µs on lavapipe), which only counts beside short launches; two long ones run at once instead
 * of one after the other compete for the caches: ten GCNs side by side on Coauthor CS, their
 * features times the weights (2,865 workgroups) merged with a column-order gather (1,067) took
 * 132 ms a launch against 108 + 8 ms apart (kernel profiles on lavapipe). It also keeps the grid
 * one row, and the interleaving's products within a u32.
 */
const MERGED_WORKGROUPS = 1024;

interface Group {
  members: Dispatch[];
  /** Whether launches may join (its members are mergeable parts). */
  open: boolean;
  workgroup: number;
  storage: number;
  workgroupBytes: number;
  /** Workgroups of its launches together. */
  workgroups: number;
}

/** A launch's buffers (slots) read and written; a read_write binding is both. */
function access(step: Dispatch, kernel: KernelSpec): { reads: Set<number>; writes: Set<number> } {
  const storage = kernel.bindings.filter((b) => b.source.kind !== "sizes");
  const reads = new Set<number>();
  const writes = new Set<number>();
  step.buffers.forEach((slot, k) => {
    reads.add(slot);
    if (storage[k].access === "read_write") writes.add(slot);
  });
  return { reads, writes };
}

/** The run's launches in groups, in an order that keeps every dependency. */
function groupRun(run: readonly Dispatch[], kernels: readonly KernelSpec[], limits: BindingLimits, slots: readonly Slot[]): Group[] {
  const groups: Group[] = [];
  // Per slot, the last group that wrote it and the last that read it (every bound slot is read).
  const lastWrite = new Map<number, number>();
  const lastRead = new Map<number, number>();
  const latest = (map: Map<number, number>, slot: number, group: number) => map.set(slot, Math.max(map.get(slot) ?? -1, group));
  for (const step of run) {
    const kernel = kernels[step.kernel];
    const { reads, writes } = access(step, kernel);
    let after = 0;
    for (const slot of reads) after = Math.max(after, (lastWrite.get(slot) ?? -1) + 1);
    for (const slot of writes) after = Math.max(after, (lastRead.get(slot) ?? -1) + 1);
    const storage = kernel.bindings.filter((b) => b.access !== "uniform").length;
    // A buffer over the binding limit left whole is refused before anything runs, naming this kernel.
    const joinable = mergeablePart({ kernel, sizes: step.sizes }) && step.buffers.every((slot) => slots[slot].bytes <= limits.maxBindingBytes);
    const memory = workgroupBytes(kernel);
    const workgroups = joinable ? kernel.dispatch(step.sizes).x : 0;
    let at = -1;
    if (joinable) {
      at = groups.findIndex(
        (g, i) => i >= after && g.open && g.workgroup === kernel.workgroupSize[0] && g.storage + storage <= limits.maxStorageBindings && g.workgroupBytes + memory <= WORKGROUP_STORAGE_BYTES && g.workgroups + workgroups <= MERGED_WORKGROUPS,
      );
    }
    if (at < 0) {
      groups.push({ members: [], open: joinable, workgroup: kernel.workgroupSize[0], storage: 0, workgroupBytes: 0, workgroups: 0 });
      at = groups.length - 1;
    }
    const g = groups[at];
    g.members.push(step);
    g.storage += storage;
    g.workgroupBytes += memory;
    g.workgroups += workgroups;
    for (const slot of reads) latest(lastRead, slot, at);
    for (const slot of writes) latest(lastWrite, slot, at);
  }
  return groups;
}

/** A group as one step: its launch, or the merged launch of its members. */
function emit(group: Group, kernels: readonly KernelSpec[], kernelOf: (k: KernelSpec) => number): Step {
  if (group.members.length === 1) return group.members[0];
  const parts: LaunchPart[] = group.members.map((s) => ({ kernel: kernels[s.kernel], sizes: s.sizes }));
  const { kernel, sizes } = mergedKernel(parts);
  return { kind: "dispatch", kernel: kernelOf(kernel), sizes, buffers: group.members.flatMap((s) => s.buffers) };
}
