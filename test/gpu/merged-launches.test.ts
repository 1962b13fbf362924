import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func } from "../../compiler/ir/types.js";
import type { RngValue, Value } from "../../compiler/ir/values.js";
import { DEFAULT_BINDING_LIMITS } from "../../compiler/plan/binding-split.js";
import { planLaunches } from "../../compiler/plan/plan-launches.js";
import type { RunnerProgram } from "../../runtime/runner/index.js";
import { expectAllClose } from "../support/allclose.js";
import { random, randomTensor } from "../support/tensors.js";
import { runOnBoth, useGpu } from "./helpers.js";

/**
 * Independent launches share one dispatch (compiler/plan/merge-launches.ts): the merged kernels
 * compute what the launches did alone — the interpreter's values — with sizes passed at run time,
 * the Philox helper two dropouts share declared once, and a reduction whose workgroup memory and
 * barriers sit in one part of a merged module.
 */
const gpu = useGpu();

const rng = (a: number, b: number): RngValue => ({ kind: "rng", key: [a, b] });

/** Six launches that read the inputs only: two dropouts, three sums (one over columns long enough for teams), a relu. */
function independent(): Func {
  const b = new FuncBuilder("f");
  const x = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: ["N", 70] }, { name: "x" });
  const y = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [1001] }, { name: "y" });
  const z = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [5000, 3] }, { name: "z" });
  const r1 = b.leaf("s.input", { kind: "rng" }, { name: "r1" });
  const r2 = b.leaf("s.input", { kind: "rng" }, { name: "r2" });
  const results = [
    b.emit("nn.dropout", [x, r1], { p: 0.5 }),
    b.emit("nn.dropout", [y, r2], { p: 0.25 }),
    b.emit("t.sum", [x], { axes: [0], keepdims: false }),
    b.emit("t.sum", [x], { axes: [1], keepdims: false }),
    b.emit("t.relu", [y]),
    b.emit("t.sum", [z], { axes: [0], keepdims: false }),
  ];
  return b.finish(results, ["a", "b", "c", "d", "e", "f"]);
}

describe("merged launches", () => {
  it("compute what the launches compute alone", async (ctx) => {
    const func = independent();
    const symbols = { N: 300 };
    const plan = planLaunches(func, { symbols, limits: { ...DEFAULT_BINDING_LIMITS, maxStorageBindings: 16 } });
    const merged = plan.kernels.filter((k) => k.wgsl.includes("fn p1_main("));
    expect(merged.length).toBeGreaterThan(0);
    const dropouts = merged.find((k) => k.name.split("+").filter((n) => n.includes("dropout")).length === 2);
    expect(dropouts, plan.kernels.map((k) => k.name).join(", ")).toBeDefined();
    expect(dropouts!.wgsl.match(/fn gnnc_philox\(/g)).toHaveLength(1);
    // The long columns' sum is shared by a team: workgroup memory and barriers in a part.
    expect(merged.some((k) => k.wgsl.includes("var<workgroup>") && k.wgsl.includes("workgroupBarrier()"))).toBe(true);

    const rand = random(11);
    const values: Record<string, Value> = { x: randomTensor([300, 70], rand), y: randomTensor([1001], rand), z: randomTensor([5000, 3], rand), r1: rng(1, 2), r2: rng(3, 4) };
    const program: RunnerProgram = { funcs: [func], data: {}, state: {}, symbols };
    const [want, got] = await runOnBoth(gpu(ctx), program, "f", values, func.resultNames);
    want.forEach((w, k) => expectAllClose(got[k] as never, w as never));
  });
});
