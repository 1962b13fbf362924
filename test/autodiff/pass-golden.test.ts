import { describe, expect, it } from "vitest";
import { printFunc } from "../../compiler/ir/print.js";
import { compileModule, funcOf, gradOk, weightedSumLoss } from "./helpers.js";

/**
 * The printed gradient function of a tiny model, as a reviewable golden: the forward, the seed
 * `t.const 1`, the rules' nodes (each with the span of the node it differentiates), the results.
 */
describe("golden IR", () => {
  it("relu(Linear(x)) with loss = sum(out * r)", async () => {
    const m = compileModule(`model Tiny(in_channels: int = 3) {
  lin = Linear(in_channels, 2)
  forward(x: f32[N, in_channels], g: graph[N]) = relu(lin(x))
}`);
    const lossFunc = weightedSumLoss(funcOf(m, "forward"));
    const grad = gradOk(lossFunc, [{ result: "loss", wrt: ["*"] }], m);
    await expect(printFunc(grad) + "\n").toMatchFileSnapshot("golden/tiny-linear-relu.grad.ir");
  });
});
