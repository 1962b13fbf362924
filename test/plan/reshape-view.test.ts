import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func } from "../../compiler/ir/types.js";
import { predictPeakBytes } from "../../compiler/plan/peak.js";
import { planLaunches } from "../../compiler/plan/plan-launches.js";
import { MemoryMeter, runFunc } from "../../runtime/reference/index.js";
import { random, randomTensor } from "../support/tensors.js";

/**
 * A reshape is a view: at the top level of a launch plan it has no launch and shares its
 * operand's slot, and the interpreter shares its operand's data, so the predicted peak still
 * equals the measured one. As a function result it is copied (the runtime copies results into
 * parameters).
 */

/** x [6, 4] → relu → reshape [24] → (result or summed) */
function func(asResult: boolean): Func {
  const b = new FuncBuilder("f");
  const x = b.leaf("s.input", { kind: "tensor", dtype: "f32", shape: [6, 4] }, { name: "x" });
  const r = b.emit("t.reshape", [b.emit("t.relu", [x])], { shape: [24] });
  return asResult ? b.finish([r], ["out"]) : b.finish([b.emit("t.sum", [b.emit("t.exp", [r])], { axes: [0] })], ["out"]);
}

const kernelNames = (f: Func) => {
  const plan = planLaunches(f, { symbols: {} });
  return plan.steps.flatMap((s) => (s.kind === "dispatch" ? [plan.kernels[s.kernel].name] : []));
};

describe("reshape views", () => {
  it("has no launch inside a function, and is copied as its result", () => {
    expect(kernelNames(func(false)).some((n) => n.includes("reshape"))).toBe(false);
    expect(kernelNames(func(true)).some((n) => n.includes("reshape"))).toBe(true);
  });

  it("of an input or parameter counts nothing: the caller holds its data", () => {
    const b = new FuncBuilder("f");
    const w = b.leaf("s.param", { kind: "tensor", dtype: "f32", shape: [6, 4] }, { name: "w" });
    const f = b.finish([b.emit("t.sum", [b.emit("t.reshape", [w], { shape: [24] })], { axes: [0] })], ["out"]);
    const meter = new MemoryMeter();
    runFunc(f, { inputs: {}, params: { w: randomTensor([6, 4], random(4)) }, symbols: {} }, { meter });
    expect(predictPeakBytes(f, {}).total).toBe(4); // the sum: one f32
    expect(meter.peakBytes).toBe(predictPeakBytes(f, {}).total);
  });

  it("shares the operand's data in the interpreter, and the predicted peak equals the measured one", () => {
    for (const asResult of [false, true]) {
      const f = func(asResult);
      const meter = new MemoryMeter();
      const [out] = runFunc(f, { inputs: { x: randomTensor([6, 4], random(3)) }, params: {}, symbols: {} }, { meter });
      expect(out.kind).toBe("tensor");
      expect(meter.peakBytes).toBe(predictPeakBytes(f, {}).total);
    }
  });
});
