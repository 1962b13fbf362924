// drop-edge: DropEdge (Rong et al., ICLR 2020) as an IR rewrite. At every training step each
// edge of the graph is kept with probability 1 − p and dropped otherwise, and every aggregation
// of the model's training forward reads only the kept edges. Kept edges are scaled by 1/(1 − p),
// as dropout scales kept activations, so an aggregate keeps its expected value; the graph's
// normalisation (GCN's degrees) is that of the whole graph. One mask is drawn per step and shared
// by all layers and heads, so every layer sees the same thinned graph, as in the paper.
// Evaluation (`predict`) sees every edge. Max aggregations are left whole (a dropped edge cannot
// be expressed as a weight there), and the log says so.
//
//   passes = [pass("./passes/drop-edge.ts", p = 0.2)]
import type { Pass } from "gnnc/passes";
import { error } from "gnnc/passes";
import { hashName, rewriteFunc, stringAttr, withInput, type Func, type TensorType } from "gnnc/ir";

/** The salt that makes DropEdge's key independent of the model's dropout keys. */
const SALT = hashName("drop-edge");

function dropEdges(f: Func, p: number, log: (msg: string) => void): { func: Func; sites: number } {
  const { func, id: rng } = withInput(f, "rng", { kind: "rng" });
  let key: number | undefined;
  let sites = 0;
  const out = rewriteFunc(func, (node, { b, keep }) => {
    if (node.id === rng) {
      keep();
      key = b.emit("s.rng_fold", [rng], { salt: SALT }); // drawn once, before any aggregation
      return undefined;
    }
    if (node.op !== "g.spmm") return undefined;
    if (stringAttr(node.attrs, "reduce") === "max") {
      log(`drop-edge: ${f.name}: %${node.id} aggregates by max; left with every edge`);
      return undefined;
    }
    const [graph, ...rest] = node.inputs;
    const edges = (b.typeOf(graph) as { edges: number | string }).edges;
    const ones = b.emit("t.full", [], { value: 1, shape: [edges], dtype: "f32" });
    const mask = b.emit("nn.dropout_mask", [ones, key!], { p });
    let weights = mask;
    if (rest.length === 2) {
      // Weighted: the weights of dropped edges become 0; per-head weights [E, H] share one mask.
      const w = rest[0];
      const rank = (b.typeOf(w) as TensorType).shape.length;
      const shaped = rank === 1 ? mask : b.emit("t.reshape", [mask], { shape: [edges, ...Array(rank - 1).fill(1)] });
      weights = b.emit("t.mul", [w, shaped]);
    }
    sites++;
    return b.emit("g.spmm", [graph, weights, rest[rest.length - 1]], node.attrs);
  });
  return { func: out, sites };
}

const dropEdge: Pass<{ p: number }> = {
  name: "drop-edge",
  description: "DropEdge: each training step, every aggregation reads a random subset of edges (each kept with probability 1 − p, rescaled by 1/(1 − p)); evaluation sees the whole graph",
  options: { p: { kind: "float", default: 0.2, doc: "the probability of dropping an edge, in [0, 1)" } },
  stage: "forward",
  run(module, ctx, { p }) {
    if (!(p >= 0 && p < 1)) {
      const at = ctx.span ?? module.span!;
      return { module, changed: false, diagnostics: [error("P001", `drop-edge: p must lie in [0, 1), got ${p}`, at, { help: "p = 0.2 to 0.5 is usual" })] };
    }
    let total = 0;
    const funcs = module.funcs.map((f) => {
      if (f.name !== "forward") return f; // the training forward only: evaluation keeps every edge
      const { func, sites } = dropEdges(f, p, (m) => ctx.log(m));
      total += sites;
      return func;
    });
    ctx.log(`drop-edge: ${module.name}: ${total} aggregation(s) read a graph thinned with p = ${p}`);
    return total ? { module: { ...module, funcs }, changed: true, diagnostics: [] } : { module, changed: false, diagnostics: [] };
  },
};

export default dropEdge;
