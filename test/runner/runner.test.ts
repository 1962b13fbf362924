import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { GpuRunner, ReferenceRunner, RunnerError, type Runner, type RunnerProgram } from "../../runtime/runner/index.js";
import { useGpu } from "../gpu/helpers.js";

/**
 * The runner contract, on both devices: functions run by name; a result named like a state entry
 * replaces it, others are outputs; scalars can be logged without a readback; a missing input, an
 * unknown function or result is a RunnerError naming it.
 */

const f32 = (shape: number[], data: number[]): TensorValue => ({ kind: "tensor", dtype: "f32", shape, data: Float32Array.from(data) });
const T = (shape: number[]) => ({ kind: "tensor", dtype: "f32", shape }) as const;

/** `accumulate`: w ← w + x·s, returning the new w (state) and sum(w) (an output). */
function accumulate(): Func {
  const b = new FuncBuilder("accumulate");
  const w = b.leaf("s.param", T([2, 3]), { name: "w" });
  const x = b.leaf("s.input", T([2, 3]), { name: "x" });
  const s = b.leaf("s.input", T([]), { name: "s" });
  const next = b.emit("t.add", [w, b.emit("t.mul", [x, s])]);
  const total = b.emit("t.sum", [next], { axes: [0, 1] });
  return b.finish([total, next], ["total", "w"]);
}

/** `scaled`: reads w and returns w·2 as an output (no state update). */
function scaled(): Func {
  const b = new FuncBuilder("scaled");
  const w = b.leaf("s.param", T([2, 3]), { name: "w" });
  const two = b.emit("t.const", [], { value: 2, dtype: "f32" });
  return b.finish([b.emit("t.mul", [w, two])], ["out"]);
}

const program = (): RunnerProgram => ({
  funcs: [accumulate(), scaled()],
  data: { x: f32([2, 3], [1, 2, 3, 4, 5, 6]) },
  state: { w: f32([2, 3], [0, 0, 0, 0, 0, 1]) },
  symbols: {},
});

async function exercise(runner: Runner) {
  await runner.run("accumulate", { s: f32([], [1]) }, { log: "total" });
  await runner.run("accumulate", { s: f32([], [0.5]) }, { log: "total" });
  const logged = await runner.logged();
  const w = (await runner.state(["w"])).w;
  await runner.run("scaled");
  const out = await runner.read("scaled", "out");
  const total = await runner.read("accumulate", "total");
  runner.setState({ w: f32([2, 3], [1, 1, 1, 1, 1, 1]) });
  await runner.run("scaled");
  const afterSet = await runner.read("scaled", "out");
  return { logged, w: [...w.data], out: [...out.data], total: [...total.data], afterSet: [...afterSet.data], again: await runner.logged() };
}

const EXPECTED = {
  logged: [22, 32.5], // sum(x) + 1, then + sum(x)/2
  w: [1.5, 3, 4.5, 6, 7.5, 10],
  out: [3, 6, 9, 12, 15, 20],
  total: [32.5],
  afterSet: [2, 2, 2, 2, 2, 2],
  again: [],
};

describe("the reference runner", () => {
  it("runs functions by name over named state", async () => {
    expect(await exercise(new ReferenceRunner(program()))).toEqual(EXPECTED);
  });

  it("names what is wrong: a missing input, an unknown function, result or state entry, a state result read as output", async () => {
    const r = new ReferenceRunner(program());
    await expect(r.run("accumulate")).rejects.toThrow(/`accumulate` needs input\(s\) `s`/);
    await expect(r.run("nope")).rejects.toThrow(/no function `nope` is loaded \(loaded: accumulate, scaled\)/);
    await r.run("accumulate", { s: f32([], [1]) });
    await expect(r.read("accumulate", "w")).rejects.toThrow(RunnerError);
    await expect(r.read("accumulate", "bogus")).rejects.toThrow(/has no result `bogus`/);
    expect(() => r.setState({ v: f32([1], [0]) })).toThrow(/no state entry `v`/);
    await expect(r.state(["v"])).rejects.toThrow(/no state entry `v`/);
  });

  it("reports memory: held data and state, the measured and the predicted peak", async () => {
    const r = new ReferenceRunner(program());
    await r.run("accumulate", { s: f32([], [1]) });
    const m = r.memory();
    expect(m.heldBytes).toBe(2 * 24);
    expect(m.peakBytes).toBeGreaterThan(0);
    expect(m.peakBytes).toBe(m.predictedBytes);
  });
});

describe("the GPU runner", () => {
  const gpuOf = useGpu();

  it("runs the same program to the same numbers, allocating what it predicted", async (ctx) => {
    const runner = await GpuRunner.open(gpuOf(ctx), program());
    try {
      expect(await exercise(runner)).toEqual(EXPECTED);
      const m = runner.memory();
      expect(m.peakBytes).toBe(m.predictedBytes);
    } finally {
      runner.destroy();
    }
  });

  it("names what is wrong as the reference runner does", async (ctx) => {
    const runner = await GpuRunner.open(gpuOf(ctx), program());
    try {
      await expect(runner.run("accumulate")).rejects.toThrow(/`accumulate` needs input\(s\) `s`/);
      await expect(runner.run("nope")).rejects.toThrow(/no function `nope` is loaded/);
      await expect(runner.read("accumulate", "w")).rejects.toThrow(/is state/);
      expect(() => runner.setState({ v: f32([1], [0]) })).toThrow(/no state entry `v`/);
    } finally {
      runner.destroy();
    }
  });

  it("runs a function that overwrites state without reading it, as the reference runner does", async (ctx) => {
    const b = new FuncBuilder("reset");
    const x = b.leaf("s.input", T([2, 3]), { name: "x" });
    const reset: RunnerProgram = { ...program(), funcs: [b.finish([b.emit("t.neg", [x])], ["w"]), scaled()] };
    for (const runner of [new ReferenceRunner(reset), await GpuRunner.open(gpuOf(ctx), reset)]) {
      try {
        await runner.run("reset");
        await runner.run("scaled");
        expect([...(await runner.state(["w"])).w.data], runner.kind).toEqual([-1, -2, -3, -4, -5, -6]);
        expect([...(await runner.read("scaled", "out")).data], runner.kind).toEqual([-2, -4, -6, -8, -10, -12]);
      } finally {
        runner.destroy();
      }
    }
  });
});
