import { describe, expect, it } from "vitest";
import type { TensorType } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { BufferStore, loadFunction } from "../../runtime/gpu/index.js";
import { runFunc } from "../../runtime/reference/index.js";
import { compileModule, funcOf } from "../autodiff/helpers.js";
import { expectAllClose, random, randomGraph, randomTensor, useGpu } from "./helpers.js";

/**
 * Whole functions on the GPU (scheduled, resident, one encoder per call) against the interpreter:
 * graph structure computed once on the host, the rest as kernels.
 */
const gpuOf = useGpu();

describe("GPU programs", () => {
  it("a two-layer GCN forward equals the interpreter's, and a second call with new weights too", async (ctx) => {
    const gpu = gpuOf(ctx);
    const m = compileModule(`model Net(in_channels: int = 8) {
  conv1 = GCNConv(in_channels, 16)
  conv2 = GCNConv(16, 3)
  forward(x: f32[N, in_channels], g: graph[N]) = conv2(relu(conv1(x, g)), g)
}`);
    const f = funcOf(m, "forward");
    const rand = random(5);
    const graph = randomGraph(300, rand);
    const x = randomTensor([300, 8], rand);
    const params = Object.fromEntries(m.params.map((p) => [p.name, randomTensor(p.type.shape as number[], rand, -0.5, 0.5)]));
    const symbols = { N: 300, E: graph.numEdges };
    const store = new BufferStore(gpu);
    const program = await loadFunction(gpu, f, { symbols, data: { x, graph }, store });
    try {
      for (let call = 0; call < 2; call++) {
        if (call === 1) for (const k of Object.keys(params)) params[k] = randomTensor(params[k].shape, rand, -0.5, 0.5);
        for (const [name, v] of Object.entries(params)) program.setParam(name, v);
        program.run();
        const out = f.body.find((n) => n.id === f.results[0])!.type as TensorType;
        const got = await program.readResult(0, out, [300, 3]);
        const want = runFunc(f, { inputs: { x, graph }, params, symbols })[0] as TensorValue;
        expectAllClose(got, want);
      }
      expect(program.schedule.hosted.size).toBeGreaterThan(0); // self loops and normalisation came from the host
    } finally {
      program.destroy();
      store.destroy();
    }
  });
});
