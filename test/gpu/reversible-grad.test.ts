import { describe, expect, it } from "vitest";
import { evalDim } from "../../compiler/ir/dims.js";
import type { Func, Module, TensorType } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { runPipeline } from "../../compiler/passes/index.js";
import { BufferStore, loadFunction, type GpuDevice } from "../../runtime/gpu/index.js";
import { compileModule, funcOf, gradOk, makeEnv, N, weightedSumLoss } from "../autodiff/helpers.js";
import { useGpu } from "./helpers.js";

/**
 * On the GPU, the gradients of a reversible stack (backward by inverting the coupling) equal those
 * of plain autodiff through the same stack with every block input stored, to 1e-5 relative.
 */
const gpuOf = useGpu();

const SOURCE = `block Body(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g) = conv(relu(norm(h)), g)
}
model Net(in_channels: int = 4) {
  lin_in = Linear(in_channels, 8)
  stack = reversible(groups = 2) repeat(6) Body(4)
  head = Linear(8, 3)
  forward(x: f32[N, in_channels], g: graph[N]) = head(stack(lin_in(x), g))
}`;

/** Run a gradient function on the GPU; its `grad.*` results by parameter name. */
async function gradientsOnGpu(gpu: GpuDevice, grad: Func, m: Module, env: ReturnType<typeof makeEnv>): Promise<Map<string, TensorValue>> {
  const graph = env.inputs.graph as Extract<Value, { kind: "graph" }>;
  const symbols = { ...m.symbols, N, E: graph.numEdges };
  const store = new BufferStore(gpu);
  const program = await loadFunction(gpu, grad, { symbols, data: { x: env.inputs.x, graph, r: env.inputs.r }, store });
  try {
    for (const [name, v] of Object.entries(env.params)) program.setParam(name, v);
    await program.run();
    const out = new Map<string, TensorValue>();
    for (const [k, name] of grad.resultNames.entries()) {
      if (!name.startsWith("grad.")) continue;
      const type = grad.body.find((n) => n.id === grad.results[k])!.type as TensorType;
      out.set(name, await program.readResult(k, type, type.shape.map((d) => evalDim(d, symbols)!)));
    }
    return out;
  } finally {
    program.destroy();
    store.destroy();
  }
}

describe("reversible gradients on the GPU", () => {
  it("equal plain autodiff through the same stack with stored block inputs, to 1e-5 relative", async (ctx) => {
    const gpu = gpuOf(ctx);
    const m = compileModule(SOURCE);
    const expanded = runPipeline(m, "expand-reversible").module;
    const env = makeEnv(m, weightedSumLoss(funcOf(m, "forward")), 4);
    const reversible = gradOk(weightedSumLoss(funcOf(m, "forward")), [{ result: "loss", wrt: ["*"] }], m);
    const plain = gradOk(weightedSumLoss(funcOf(expanded, "forward")), [{ result: "loss", wrt: ["*"] }], m);
    // As the GPU trainer prepares functions: reversible forwards as plain loops (the backward stays the
    // inverse-based loop), graph invariants hoisted out of the loops.
    const onGpu = (f: Func) => funcOf(runPipeline({ ...m, funcs: [f] }, "expand-reversible,cse,licm,cse,dce").module, f.name);
    const a = await gradientsOnGpu(gpu, onGpu(reversible), m, env);
    const b = await gradientsOnGpu(gpu, onGpu(plain), m, env);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, got] of a) {
      const want = b.get(name)!;
      const scale = Math.max(...want.data.map(Math.abs), 1e-30);
      const worst = Math.max(...got.data.map((v, k) => Math.abs(v - want.data[k])));
      expect(worst / scale, name).toBeLessThan(1e-5);
    }
  }, 120_000);
});
