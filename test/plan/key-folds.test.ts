import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { foldKey } from "../../compiler/ir/rng.js";
import type { Func } from "../../compiler/ir/types.js";
import type { RngValue, TensorValue } from "../../compiler/ir/values.js";
import { planLaunches } from "../../compiler/plan/plan-launches.js";
import { openRunner } from "../../runtime/runner/open.js";
import { useGpu } from "../gpu/helpers.js";
import { random, randomTensor } from "../support/tensors.js";

/**
 * A key folded from an input key by a salt (each dropout site's key from the step's) is derived
 * by the runtime when the input is given: no launch, a slot of its own. A fold by an index (loop
 * iterations) stays a kernel.
 */
const gpu = useGpu();
const RNG = { kind: "rng" } as const;
const X = { kind: "tensor", dtype: "f32", shape: [40, 12] } as const;

/** dropout(x, fold(rng, 7)) + dropout(x, fold(rng, 9)); with `indexed`, the second fold also takes an index. */
function func(indexed: boolean): Func {
  const b = new FuncBuilder("f");
  const x = b.leaf("s.input", X, { name: "x" });
  const rng = b.leaf("s.input", RNG, { name: "rng" });
  const i = b.leaf("s.input", { kind: "tensor", dtype: "i32", shape: [] }, { name: "i" });
  const first = b.emit("nn.dropout", [x, b.emit("s.rng_fold", [rng], { salt: 7 })], { p: 0.5 });
  const second = b.emit("nn.dropout", [x, b.emit("s.rng_fold", indexed ? [rng, i] : [rng], { salt: 9 })], { p: 0.5 });
  return b.finish([b.emit("t.add", [first, second])], ["out"]);
}

const launched = (f: Func) => {
  const plan = planLaunches(f, { symbols: {} });
  return { plan, names: plan.steps.flatMap((s) => (s.kind === "dispatch" ? [plan.kernels[s.kernel].name] : [])) };
};

describe("key folds on the host", () => {
  it("plan no launch for a fold of an input key, and a launch for a fold by an index", () => {
    const plain = launched(func(false));
    expect(plain.names.filter((n) => n.startsWith("s_rng_fold"))).toEqual([]);
    expect(plain.plan.keyFolds.map((k) => [k.input, k.salt])).toEqual([["rng", 7], ["rng", 9]]);
    const indexed = launched(func(true));
    expect(indexed.names.filter((n) => n.startsWith("s_rng_fold"))).toEqual(["s_rng_fold_indexed"]);
    expect(indexed.plan.keyFolds.map((k) => k.salt)).toEqual([7]);
  });

  it("draw on the GPU what the interpreter draws, for every key given", async (ctx) => {
    const g = gpu(ctx);
    for (const indexed of [false, true]) {
      const f = func(indexed);
      const data = { x: randomTensor([40, 12], random(1)) };
      const program = { funcs: [f], data, state: {}, symbols: {} };
      const [dev, ref] = [await openRunner(program, g), await openRunner(program)];
      try {
        for (const key of [[1, 2], [0xdeadbeef, 5], foldKey([3, 4], 11)] as const) {
          const index: TensorValue = { kind: "tensor", dtype: "i32", shape: [], data: Int32Array.of(3) };
          const inputs = { rng: { kind: "rng", key: [key[0], key[1]] } as RngValue, i: index };
          await dev.run("f", inputs);
          await ref.run("f", inputs);
          expect(Array.from((await dev.read("f", "out")).data)).toEqual(Array.from((await ref.read("f", "out")).data));
        }
      } finally {
        dev.destroy();
        ref.destroy();
      }
    }
  });
});
