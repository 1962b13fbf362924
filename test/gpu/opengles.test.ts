import { describe, expect, it } from "vitest";
import { checkOp, randomGraph, useGpu } from "./helpers.js";
import { random, randomTensor } from "../support/tensors.js";

// The fallback: OpenGL ES in compatibility mode (for machines whose Vulkan driver Dawn rejects).
// Optional: skipped where no GL ES adapter exists, even when GPU tests are required.
const gpu = useGpu({ backends: ["opengles"] }, { optional: true });

describe("OpenGL ES compatibility fallback", () => {
  it("is a compatibility-mode adapter", (ctx) => {
    const g = gpu(ctx);
    expect(g.adapter.backend).toBe("opengles");
    expect(g.adapter.featureLevel).toBe("compatibility");
  });

  it("runs the elementwise, matmul and SpMM kernels like the interpreter", async (ctx) => {
    const g = gpu(ctx);
    const rand = random(1);
    await checkOp(g, { op: "t.add", inputs: [randomTensor([33, 8], rand), randomTensor([8], rand)] });
    await checkOp(g, { op: "t.gelu", inputs: [randomTensor([50], rand)] });
    await checkOp(g, { op: "t.matmul", attrs: { transB: true }, inputs: [randomTensor([21, 12], rand), randomTensor([10, 12], rand)] });
    const graph = randomGraph(40, rand);
    await checkOp(g, { op: "g.spmm", attrs: { reduce: "mean" }, inputs: [graph, randomTensor([40, 16], rand)] });
  });
});
