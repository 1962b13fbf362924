import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { GpuRunner, ReferenceRunner, RunnerError, type Runner, type RunnerProgram } from "../../runtime/runner/index.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { openPartitionedRunner } from "../../runtime/runner/partitioned.js";
import { compileModule, funcOf } from "../autodiff/helpers.js";
import { randomGraph, useGpu } from "../gpu/helpers.js";
import { random, randomTensor } from "../support/tensors.js";
import { expectAllClose } from "../support/allclose.js";

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
  await runner.finish();
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

/**
 * Reads and snapshots take their values when called, whatever runs are queued before they are
 * awaited (the trainer queues the next epoch first); a released snapshot's buffer serves the next.
 */
async function readsAtTheCall(runner: Runner) {
  await runner.run("accumulate", { s: f32([], [1]) }, { log: "total" });
  const logged = runner.logged();
  const total = runner.read("accumulate", "total");
  const state = runner.state(["w"]);
  const snapshot = runner.snapshot();
  const dropped = runner.snapshot();
  await runner.run("accumulate", { s: f32([], [0.5]) }, { log: "total" });
  dropped.release();
  const later = runner.snapshot();
  await runner.run("accumulate", { s: f32([], [2]) }, { log: "total" });
  return {
    logged: await logged,
    total: [...(await total).data],
    w: [...(await state).w.data],
    snapshot: [...(await snapshot.read()).w.data],
    later: [...(await later.read()).w.data],
    rest: await runner.logged(),
  };
}

const AT_THE_CALL = {
  logged: [22],
  total: [22],
  w: [1, 2, 3, 4, 5, 7],
  snapshot: [1, 2, 3, 4, 5, 7],
  later: [1.5, 3, 4.5, 6, 7.5, 10],
  rest: [32.5, 74.5],
};

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

  it("reads values as they are at the call, not when awaited", async () => {
    expect(await readsAtTheCall(new ReferenceRunner(program()))).toEqual(AT_THE_CALL);
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

  it("reads values as they are at the call, with runs queued behind the reads", async (ctx) => {
    const runner = await GpuRunner.open(gpuOf(ctx), program());
    try {
      expect(await readsAtTheCall(runner)).toEqual(AT_THE_CALL);
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

  it("copies state a function writes without reading it into the place its readers read", async (ctx) => {
    const b = new FuncBuilder("reset");
    const x = b.leaf("s.input", T([2, 3]), { name: "x" });
    const twice = b.emit("t.add", [x, x]);
    const withReset: RunnerProgram = { ...program(), funcs: [...program().funcs, b.finish([twice], ["w"])] };
    const outputs = async (runner: Runner) => {
      await runner.run("reset");
      await runner.run("scaled");
      return [...(await runner.read("scaled", "out")).data];
    };
    const gpu = await GpuRunner.open(gpuOf(ctx), withReset);
    try {
      const expected = [4, 8, 12, 16, 20, 24];
      expect(await outputs(new ReferenceRunner(withReset))).toEqual(expected);
      expect(await outputs(gpu)).toEqual(expected);
      const m = gpu.memory();
      expect(m.peakBytes).toBe(m.predictedBytes);
    } finally {
      gpu.destroy();
    }
  });

  it("runs a function of the data only on the host once, uploading its results: no device program of its own", async (ctx) => {
    const b = new FuncBuilder("from_data");
    const x = b.leaf("s.input", T([2, 3]), { name: "x" });
    const withData: RunnerProgram = { ...program(), funcs: [...program().funcs, b.finish([b.emit("t.exp", [x])], ["w"])] };
    const gpu = await GpuRunner.open(gpuOf(ctx), withData);
    const plain = await GpuRunner.open(gpuOf(ctx), program());
    try {
      await gpu.run("from_data");
      await gpu.run("scaled");
      const ref = new ReferenceRunner(withData);
      await ref.run("from_data");
      await ref.run("scaled");
      expectAllClose(await gpu.read("scaled", "out"), await ref.read("scaled", "out"));
      const [m, base] = [gpu.memory(), plain.memory()];
      expect(m.peakBytes).toBe(base.peakBytes); // nothing on the device for it
      expect(m.heldBytes).toBe(24); // its result, on the host
      expect(m.peakBytes).toBe(m.predictedBytes);
    } finally {
      gpu.destroy();
      plain.destroy();
    }
  });

  it("keeps state a function writes and no function reads (another device's, when partitioned): state() returns it", async (ctx) => {
    // `reset`: w ← x·s, never reading w; the only function loaded.
    const b = new FuncBuilder("reset");
    const x = b.leaf("s.input", T([2, 3]), { name: "x" });
    const s = b.leaf("s.input", T([]), { name: "s" });
    const only: RunnerProgram = { ...program(), funcs: [b.finish([b.emit("t.mul", [x, s])], ["w"])] };
    const gpu = await GpuRunner.open(gpuOf(ctx), only);
    try {
      expect(Array.from((await gpu.state(["w"])).w.data)).toEqual([0, 0, 0, 0, 0, 1]);
      await gpu.run("reset", { s: f32([], [3]) });
      expect(Array.from((await gpu.state(["w"])).w.data)).toEqual([3, 6, 9, 12, 15, 18]);
    } finally {
      gpu.destroy();
    }
  });

  /**
   * Runners over 1 and n copies of `f` (the same data and state); the last copy of each runs and
   * their results agree. Returns the bytes the n − 1 extra copies added, predicted = allocated.
   */
  async function bytesOfCopies(gpu: GpuDevice, f: Func, program: Omit<RunnerProgram, "funcs">, n: number, result: string): Promise<number> {
    const open = (k: number) => GpuRunner.open(gpu, { ...program, funcs: Array.from({ length: k }, (_, j) => ({ ...f, name: `f${j}` })) });
    const [one, many] = [await open(1), await open(n)];
    try {
      await one.run("f0");
      await many.run(`f${n - 1}`);
      expect([...(await many.read(`f${n - 1}`, result)).data]).toEqual([...(await one.read("f0", result)).data]);
      const [m1, mn] = [one.memory(), many.memory()];
      expect(mn.peakBytes).toBe(mn.predictedBytes);
      return mn.peakBytes - m1.peakBytes;
    } finally {
      one.destroy();
      many.destroy();
    }
  }

  it("holds an input's zero pattern once, whichever functions read it", async (ctx) => {
    // x·wᵀ over mostly-zero features, the patterned forward; x is 300 × 64, 960 nonzeros.
    const b = new FuncBuilder("lin");
    const xIn = b.leaf("s.input", T([300, 64]), { name: "x" });
    const w = b.leaf("s.param", T([8, 64]), { name: "w" });
    const lin = b.finish([b.emit("t.matmul", [xIn, w], { transB: true })], ["y"]);
    const x = new Float32Array(300 * 64);
    for (let k = 0; k < x.length; k += 20) x[k] = 1 + (k % 7);
    const added = await bytesOfCopies(gpuOf(ctx), lin, { data: { x: f32([300, 64], [...x]) }, state: { w: f32([8, 64], new Array(512).fill(0.5)) }, symbols: {} }, 3, "y");
    // Two more functions add their outputs (300 × 8 floats each, kept until they run again) and
    // less than one more copy of the pattern's column indices (960 nonzeros × 4 bytes).
    expect(added - 2 * 300 * 8 * 4).toBeLessThan(960 * 4);
  });

  it("holds a value computed once from the data once, whichever functions compute it (a GCN's self loops and normalisation)", async (ctx) => {
    const m = compileModule(`model Net(in_channels: int = 8) {
  conv = GCNConv(in_channels, 4)
  forward(x: f32[N, in_channels], g: graph[N]) = conv(x, g)
}`);
    const rand = random(3);
    const graph = randomGraph(400, rand);
    const x = randomTensor([400, 8], rand);
    const state = Object.fromEntries(m.params.map((p) => [p.name, randomTensor(p.type.shape as number[], rand)]));
    const added = await bytesOfCopies(gpuOf(ctx), funcOf(m, "forward"), { data: { x, graph }, state, symbols: { N: 400, E: graph.numEdges } }, 2, "out");
    // The second function adds its output (400 × 4 floats) and its launches' uniforms, not another
    // copy of the graph with self loops (its source and target arrays alone are 2 × 4 × (E + N) bytes).
    expect(added - 400 * 4 * 4).toBeLessThan(2 * 4 * (graph.numEdges + 400));
  });

  it("shares scratch between functions: ten copies of a function cost one's scratch", async (ctx) => {
    // `chain`: four computed [64, 64] values in a row, then a state update.
    const chain = (name: string) => {
      const b = new FuncBuilder(name);
      const w = b.leaf("s.param", T([64, 64]), { name: "v" });
      let h = w;
      for (let k = 0; k < 4; k++) h = b.emit("t.matmul", [h, w]);
      return b.finish([b.emit("t.tanh", [h])], ["v"]);
    };
    const open = (n: number) =>
      GpuRunner.open(gpuOf(ctx), { funcs: Array.from({ length: n }, (_, k) => chain(`f${k}`)), data: {}, state: { v: f32([64, 64], new Array(4096).fill(0.01)) }, symbols: {} });
    const one = await open(1);
    const ten = await open(10);
    try {
      for (let k = 0; k < 10; k++) await ten.run(`f${k}`);
      for (let k = 0; k < 10; k++) await one.run("f0");
      expect([...(await ten.state(["v"])).v.data]).toEqual([...(await one.state(["v"])).v.data]);
      const [m1, m10] = [one.memory(), ten.memory()];
      expect(m10.peakBytes).toBe(m10.predictedBytes);
      // Ten functions add only their uniforms and nothing per value.
      expect(m10.peakBytes - m1.peakBytes).toBeLessThan(9 * 2 * 64 * 64 * 4);
    } finally {
      one.destroy();
      ten.destroy();
    }
  });
});

describe("a partitioned runner", () => {
  // accumulate on device 0, scaled on device 1: scaled reads the w that accumulate wrote.
  const placement = { parts: { accumulate: 0, scaled: 1 }, count: 2, devices: 2, quantized: {} };

  it("runs as one device does, and finish() waits for its devices: a run's failure there is finish()'s", async () => {
    const r = await openPartitionedRunner(program(), placement);
    try {
      expect(await exercise(r)).toEqual(EXPECTED);
      await r.finish();
      // A run is posted, not done, when run() resolves: the device's refusal comes back with finish().
      await r.run("accumulate");
      await expect(r.finish()).rejects.toThrow(/device 0: running `accumulate`: `accumulate` needs input\(s\) `s`/);
    } finally {
      r.destroy();
    }
  }, 60_000);

  it("reads values as they are at the call: its devices answer in order", async () => {
    const r = await openPartitionedRunner(program(), placement);
    try {
      expect(await readsAtTheCall(r)).toEqual(AT_THE_CALL);
    } finally {
      r.destroy();
    }
  }, 60_000);
});
