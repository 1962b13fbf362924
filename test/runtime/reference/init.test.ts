import { describe, it, expect } from "vitest";
import type { InitSpec, Module, ParamInfo } from "../../../compiler/ir/types.js";
import { initParams } from "../../../runtime/reference/index.js";

function param(name: string, shape: (number | string)[], init: InitSpec): ParamInfo {
  return { name, type: { kind: "tensor", dtype: "f32", shape }, init, trainable: true };
}

function moduleWith(params: ParamInfo[], symbols: Record<string, number> = {}): Module {
  return { name: "m", symbols, params, funcs: [] };
}

function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < data.length; k++) m = Math.max(m, Math.abs(data[k]));
  return m;
}

describe("initParams", () => {
  it("glorot is U(±√(6/(fan_in+fan_out))) with fans from the [out, in] dims", () => {
    const p = initParams(moduleWith([param("w", [64, "in"], { kind: "glorot" })], { in: 100 }), 0).w;
    expect(p.shape).toEqual([64, 100]);
    const bound = Math.sqrt(6 / (100 + 64));
    expect(maxAbs(p.data)).toBeLessThanOrEqual(bound);
    expect(maxAbs(p.data)).toBeGreaterThan(0.98 * bound);
    let sq = 0;
    for (const v of p.data) sq += v * v;
    expect(sq / p.data.length).toBeCloseTo((bound * bound) / 3, 3); // variance of U(−b, b)
  });

  it("kaiming_uniform with a = √5 gives PyTorch Linear's bound 1/√fan_in", () => {
    const p = initParams(moduleWith([param("w", [32, 400], { kind: "kaiming_uniform", a: Math.sqrt(5) })]), 1).w;
    expect(maxAbs(p.data)).toBeLessThanOrEqual(1 / Math.sqrt(400) + 1e-9);
    expect(maxAbs(p.data)).toBeGreaterThan(0.98 / Math.sqrt(400));
    const relu = initParams(moduleWith([param("w", [32, 400], { kind: "kaiming_uniform" })]), 1).w;
    expect(maxAbs(relu.data)).toBeGreaterThan(0.98 * Math.sqrt(6 / 400)); // a = 0: √2·√(3/fan_in)
  });

  it("uniform_fan_in uses the given fan-in (a bias of Linear(in=25, …))", () => {
    const p = initParams(moduleWith([param("b", [2000], { kind: "uniform_fan_in", fanIn: 25 })]), 2).b;
    expect(maxAbs(p.data)).toBeLessThanOrEqual(0.2);
    expect(maxAbs(p.data)).toBeGreaterThan(0.19);
  });

  it("zeros, ones and identity (per slice of a stacked parameter)", () => {
    const out = initParams(
      moduleWith([
        param("z", [3], { kind: "zeros" }),
        param("o", [2, 2], { kind: "ones" }),
        { ...param("eye", [2, 2, 3], { kind: "identity" }), stacked: true },
      ]),
      0,
    );
    expect(Array.from(out.z.data)).toEqual([0, 0, 0]);
    expect(Array.from(out.o.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(out.eye.data)).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0]);
  });

  it("depends only on seed and name, not on the other parameters", () => {
    const a = param("conv1.weight", [4, 4], { kind: "glorot" });
    const b = param("conv2.weight", [4, 4], { kind: "glorot" });
    const alone = initParams(moduleWith([a]), 7)["conv1.weight"];
    const both = initParams(moduleWith([b, a]), 7);
    expect(Array.from(both["conv1.weight"].data)).toEqual(Array.from(alone.data));
    expect(Array.from(both["conv2.weight"].data)).not.toEqual(Array.from(alone.data));
    expect(Array.from(initParams(moduleWith([a]), 8)["conv1.weight"].data)).not.toEqual(Array.from(alone.data));
  });

  it("explains a shape it cannot resolve", () => {
    expect(() => initParams(moduleWith([param("w", ["hidden", 3], { kind: "zeros" })]), 0)).toThrow(
      /cannot initialise w: dimension hidden has no value/,
    );
  });
});
