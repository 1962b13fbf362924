// fake-quant: fake quantisation of weight matrices (quantisation-aware training). Every
// parameter of rank ≥ 2 that a matmul reads is replaced, where it is read, by its symmetric
// per-tensor quantisation to `bits` bits: s = max|W| / (2^(bits−1) − 1), q(W) = round(W/s)·s.
// The backward is the straight-through estimator: the forward computes W + stop_gradient(q(W) − W),
// whose gradient with respect to W is the identity. The stored weights stay f32; training and
// evaluation both see the quantised ones, so accuracy is that of the int8 model.
//
//   passes = [pass("./passes/fake-quant.ts", bits = 8)]
import type { Pass } from "gnnc/passes";
import { error } from "gnnc/passes";
import { rewriteFunc, type Func, type TensorType } from "gnnc/ir";

/** Parameter leaves of rank ≥ 2 read directly by a matmul: the weight matrices. */
function weightLeaves(f: Func): Set<number> {
  const leaves = new Map(f.body.filter((n) => n.op === "s.param" && (n.type as TensorType).shape.length >= 2).map((n) => [n.id, n]));
  const read = new Set<number>();
  for (const n of f.body) if (n.op === "t.matmul") for (const id of n.inputs) if (leaves.has(id)) read.add(id);
  return read;
}

function quantise(f: Func, bits: number): { func: Func; count: number } {
  const weights = weightLeaves(f);
  const levels = 2 ** (bits - 1) - 1;
  const func = rewriteFunc(f, (node, { b, keep }) => {
    if (!weights.has(node.id)) return undefined;
    const w = keep();
    const rank = (node.type as TensorType).shape.length;
    const absMax = b.emit("t.max", [b.emit("t.abs", [w])], { axes: [...Array(rank).keys()] });
    // A weight of all zeros quantises to itself: keep the scale away from 0.
    const scale = b.emit("t.maximum", [b.emit("t.div", [absMax, b.emit("t.const", [], { value: levels, dtype: "f32" })]), b.emit("t.const", [], { value: 1e-12, dtype: "f32" })]);
    const q = b.emit("t.mul", [b.emit("t.round", [b.emit("t.div", [w, scale])]), scale]);
    return b.emit("t.add", [w, b.emit("t.stop_gradient", [b.emit("t.sub", [q, w])])]);
  });
  return { func, count: weights.size };
}

const fakeQuant: Pass<{ bits: number }> = {
  name: "fake-quant",
  description: "fake-quantise the weight matrices matmuls read to `bits`-bit symmetric per-tensor levels, with a straight-through gradient",
  options: { bits: { kind: "int", default: 8, doc: "bits per weight, 2 to 16 (8: int8)" } },
  stage: "forward",
  run(module, ctx, { bits }) {
    if (!(bits >= 2 && bits <= 16)) {
      return { module, changed: false, diagnostics: [error("P001", `fake-quant: bits must lie in 2..16, got ${bits}`, ctx.span ?? module.span!)] };
    }
    const counts: string[] = [];
    const funcs = module.funcs.map((f) => {
      const r = quantise(f, bits);
      if (r.count) counts.push(`${f.name} ${r.count}`);
      return r.func;
    });
    ctx.log(`fake-quant: ${module.name}: ${bits}-bit weights (${counts.join(", ") || "none found"})`);
    return counts.length ? { module: { ...module, funcs }, changed: true, diagnostics: [] } : { module, changed: false, diagnostics: [] };
  },
};

export default fakeQuant;
