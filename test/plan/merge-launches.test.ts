import { describe, expect, it } from "vitest";
import { emitKernel } from "../../compiler/codegen/emit.js";
import type { KernelSpec } from "../../compiler/codegen/kernel.js";
import { mergedKernel, mergeablePart, workgroupBytes } from "../../compiler/codegen/merge-kernels.js";
import type { Type } from "../../compiler/ir/types.js";
import { DEFAULT_BINDING_LIMITS } from "../../compiler/plan/binding-split.js";
import type { Step } from "../../compiler/plan/launch-plan.js";
import { mergeLaunches } from "../../compiler/plan/merge-launches.js";
import { oneOpNode } from "../support/one-op.js";

// Independent launches sharing one dispatch (compiler/plan/merge-launches.ts): which launches
// merge, and that no launch moves past one it shares a written buffer with. Whether the merged
// WGSL computes what the launches did is test/gpu/merged-launches.test.ts's job.

const f32 = (shape: (number | string)[]): Type => ({ kind: "tensor", dtype: "f32", shape });
const relu = emitKernel(oneOpNode("t.relu", [f32([1000])]), [f32([1000])]);
const limits = { ...DEFAULT_BINDING_LIMITS, maxStorageBindings: 16 };
/** Slots of 1000 floats each. */
const SLOTS = Array.from({ length: 20 }, (_, k) => ({ bytes: 4000, label: `slot ${k}` }));

type Dispatch = Extract<Step, { kind: "dispatch" }>;

/** A relu launch reading slot `from`, writing slot `to`. */
const reluStep = (from: number, to: number): Dispatch => ({ kind: "dispatch", kernel: 0, sizes: { total: 1000 }, buffers: [from, to] });

/** The launches of a plan as the slot lists they bind, in order. */
const bound = (steps: readonly Step[]) => steps.map((s) => (s.kind === "dispatch" ? s.buffers : []));

describe("mergeLaunches", () => {
  it("merges independent launches and keeps every read and write order by slot", () => {
    expect(mergeablePart({ kernel: relu, sizes: { total: 1000 } })).toBe(true);
    const steps = [
      reluStep(0, 1),
      reluStep(1, 2), // reads what the first writes: after it
      reluStep(3, 4), // independent: joins the first
      reluStep(5, 0), // overwrites what the first reads: after it, beside the second
      reluStep(2, 6), // reads the second's output: after it
    ];
    const out = mergeLaunches(steps, [relu], limits, SLOTS);
    expect(bound(out.steps)).toEqual([
      [0, 1, 3, 4],
      [1, 2, 5, 0],
      [2, 6],
    ]);
    expect(out.kernels.map((k) => k.name)).toEqual(["t_relu_f32+t_relu_f32", "t_relu_f32"]);
    // The merged grid holds both parts' workgroups; each part's count, and the count from it on, are sizes.
    const first = out.steps[0] as Dispatch;
    const alone = relu.dispatch({ total: 1000 }).x;
    expect(out.kernels[0].dispatch(first.sizes)).toEqual({ x: 2 * alone, y: 1, z: 1 });
    expect(first.sizes).toMatchObject({ gnnc_count0: alone, gnnc_rest0: 2 * alone, gnnc_count1: alone, gnnc_rest1: alone });
  });

  it("a launch that writes a buffer an earlier one writes stays after it", () => {
    const out = mergeLaunches([reluStep(0, 1), reluStep(2, 1)], [relu], limits, SLOTS);
    expect(bound(out.steps)).toEqual([
      [0, 1],
      [2, 1],
    ]);
  });

  it("keeps within the device's storage bindings", () => {
    const steps = [reluStep(0, 1), reluStep(2, 3), reluStep(4, 5)];
    expect(bound(mergeLaunches(steps, [relu], { ...limits, maxStorageBindings: 4 }, SLOTS).steps)).toEqual([[0, 1, 2, 3], [4, 5]]);
    expect(mergeLaunches(steps, [relu], { ...limits, maxStorageBindings: 3 }, SLOTS).steps).toEqual(steps);
  });

  it("copies and loops stay where they are; a loop's body is scheduled on its own", () => {
    const loop: Step = { kind: "loop", trip: 2, reverse: false, index: 9, indexTable: 10, body: [reluStep(11, 12), reluStep(13, 14)] };
    const steps: Step[] = [reluStep(0, 1), { kind: "copy", from: 1, to: 7, bytes: 4000 }, reluStep(2, 3), loop, reluStep(4, 5)];
    const out = mergeLaunches(steps, [relu], limits, SLOTS).steps;
    expect(out.map((s) => s.kind)).toEqual(["dispatch", "copy", "dispatch", "loop", "dispatch"]);
    expect(bound((out[3] as Extract<Step, { kind: "loop" }>).body)).toEqual([[11, 12, 13, 14]]);
  });

  it("adds up workgroup memory and keeps it within what every device offers", () => {
    const team = (floats: number): KernelSpec => {
      const helpers = [`var<workgroup> partial: array<f32, ${floats}>;\n`];
      const wgsl = `${relu.wgsl}\n${helpers[0]}`;
      return { ...relu, wgsl, source: { ...relu.source!, helpers, of: wgsl } };
    };
    expect(workgroupBytes(team(2048))).toBe(8192);
    const two = (a: number, b: number) => mergeLaunches([{ ...reluStep(0, 1), kernel: 0 }, { ...reluStep(2, 3), kernel: 1 }], [team(a), team(b)], limits, SLOTS).steps.length;
    expect(two(2048, 2048)).toBe(1); // 16 KiB in all
    expect(two(2048, 2049)).toBe(2);
  });

  it("merges short launches only: two of a million elements each stay apart", () => {
    const big = (from: number, to: number): Dispatch => ({ ...reluStep(from, to), sizes: { total: 1_000_000 } });
    expect(relu.dispatch({ total: 1_000_000 }).x).toBeGreaterThan(512);
    expect(mergeLaunches([big(0, 1), big(2, 3)], [relu], limits, SLOTS).steps).toHaveLength(2);
    expect(mergeLaunches([big(0, 1), reluStep(2, 3)], [relu], limits, SLOTS).steps).toHaveLength(1);
  });

  it("leaves alone a launch binding a buffer whole over the binding limit (refused, naming its kernel)", () => {
    expect(mergeLaunches([reluStep(0, 1), reluStep(2, 3)], [relu], { ...limits, maxBindingBytes: 3999 }, SLOTS).steps).toHaveLength(2);
  });

  it("leaves launches alone whose module was rewritten after it was assembled", () => {
    const rewritten = { ...relu, wgsl: relu.wgsl.replace("t_relu_f32", "t_relu_f32 (rewritten)") };
    expect(mergeablePart({ kernel: rewritten, sizes: { total: 1000 } })).toBe(false);
    expect(mergeLaunches([reluStep(0, 1), reluStep(2, 3)], [rewritten], limits, SLOTS).steps).toHaveLength(2);
  });

  it("declares a helper once only when it is the same in every part and calls nothing a part declares for itself", () => {
    const withHelpers = (helpers: string[]): KernelSpec => {
      const wgsl = `${relu.wgsl}\n${helpers.join("\n")}`;
      return { ...relu, wgsl, source: { ...relu.source!, helpers, of: wgsl } };
    };
    const pure = "fn gnnc_twice(x: f32) -> f32 {\n  return 2.0 * x;\n}\n";
    const caller = "fn gnnc_outer(x: f32) -> f32 {\n  return gnnc_inner(x);\n}\n";
    const a = withHelpers([pure, caller, "fn gnnc_inner(x: f32) -> f32 {\n  return x;\n}\n"]);
    const b = withHelpers([pure, caller, "fn gnnc_inner(x: f32) -> f32 {\n  return -x;\n}\n"]);
    const { kernel } = mergedKernel([
      { kernel: a, sizes: { total: 1000 } },
      { kernel: b, sizes: { total: 1000 } },
    ]);
    expect(kernel.wgsl.match(/fn gnnc_twice\(/g)).toHaveLength(1);
    // The caller's text is the same in both, but what it calls is not: each part keeps its own.
    expect(kernel.wgsl).toContain("fn p0_gnnc_outer(x: f32) -> f32 {\n  return p0_gnnc_inner(x);");
    expect(kernel.wgsl).toContain("fn p1_gnnc_outer(x: f32) -> f32 {\n  return p1_gnnc_inner(x);");
    expect(kernel.wgsl).not.toMatch(/fn gnnc_outer\(/);
  });

  it("names each part's module-scope declarations apart and its sizes as fields of one uniform", () => {
    const symbolic = emitKernel(oneOpNode("t.relu", [f32(["N"])]), [f32(["N"])], { symbols: {} });
    expect(symbolic.uniforms.length).toBeGreaterThan(0);
    const { kernel, sizes } = mergedKernel([
      { kernel: symbolic, sizes: { total: 10 } },
      { kernel: symbolic, sizes: { total: 20 } },
    ]);
    expect(kernel.wgsl).toContain("fn p0_main(");
    expect(kernel.wgsl).toContain("fn p1_main(");
    expect(kernel.wgsl).not.toMatch(/sizes\.total/);
    expect(sizes).toMatchObject({ p0_total: 10, p1_total: 20 });
    expect(kernel.uniforms).toEqual(expect.arrayContaining(["p0_total", "p1_total", "gnnc_count0", "gnnc_rest0", "gnnc_count1"]));
    expect(kernel.bindings.filter((b) => b.access === "uniform")).toHaveLength(1);
  });
});
