import { describe, expect, it } from "vitest";
import { printFunc } from "../../compiler/ir/print.js";
import { rewriteFunc, withInput } from "../../compiler/ir/rewrite.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import type { Func } from "../../compiler/ir/types.js";
import { compileTrain, gcnSource } from "../train/helpers.js";
import { initParams, runFunc } from "../../runtime/reference/index.js";
import { loadDatasetSource } from "../../runtime/data/index.js";
import { bindDataset } from "../../runtime/train/bind.js";

const STACK = `
dataset syn = synthetic.csbm(nodes = 60, classes = 3, features = 8, avg_degree = 4, homophily = 0.8, signal = 1.0, seed = 2)
block B(w: int) {
  lin = Linear(w, w)
  forward(h) = relu(lin(h))
}
model M(i: int, o: int) {
  lin_in = Linear(i, 8)
  body = repeat(3) B(8)
  lin_out = Linear(8, o)
  forward(x: f32[N, i], g: graph[N]) -> f32[N, o] { return lin_out(body(relu(lin_in(x)))) }
}
train t { data = syn  model = M(syn.num_features, syn.num_classes)  loss = cross_entropy(mask = train)  optimizer = adam(lr = 0.01)  epochs = 1 }`;

const funcOf = (source: string, name: string): Func => compileTrain(source).module.funcs.find((f) => f.name === name)!;
const allOps = (f: Func): string[] => printFunc(f).match(/= [a-z]+\.[a-z_]+/g)!.map((m) => m.slice(2));

describe("rewriteFunc", () => {
  it("gives back an equal function when the visitor keeps everything", () => {
    for (const f of [funcOf(gcnSource(), "forward"), funcOf(STACK, "forward")]) expect(printFunc(rewriteFunc(f, () => undefined))).toBe(printFunc(f));
  });

  it("replaces nodes in nested bodies too, renaming their readers, and leaves the input unchanged", () => {
    const f = funcOf(STACK, "predict");
    const before = printFunc(f);
    const leaky = rewriteFunc(f, (node, { b }) => (node.op === "t.relu" ? b.emit("t.leaky_relu", node.inputs, { slope: 0.5 }) : undefined));
    expect(printFunc(f)).toBe(before);
    expect(verifyFunc(leaky)).toEqual([]);
    expect(allOps(leaky).filter((o) => o === "t.relu")).toEqual([]);
    expect(allOps(leaky).filter((o) => o === "t.leaky_relu")).toHaveLength(allOps(f).filter((o) => o === "t.relu").length);
    // Inside the stack's loop body as well as outside it.
    const loop = leaky.body.find((n) => n.op === "s.loop")!;
    expect(loop.regions![0].body.some((n) => n.op === "t.leaky_relu")).toBe(true);
  });

  it("lets a visitor keep a node and build on it, its later readers reading what was built", () => {
    const { module } = compileTrain(gcnSource());
    const f = module.funcs.find((g) => g.name === "predict")!;
    // Every parameter doubled where it is read: the leaf kept, a multiply built on it replaces it.
    const doubled = rewriteFunc(f, (node, { b, keep }) => {
      if (node.op !== "s.param") return undefined;
      const two = b.emit("t.const", [], { value: 2, dtype: "f32" });
      return b.emit("t.mul", [keep(), two]);
    });
    expect(verifyFunc(doubled)).toEqual([]);
    const data = bindDataset(loadDatasetSource(compileTrain(gcnSource()).spec.data.source, []).dataset, "syn", module);
    const symbols = { ...module.symbols, ...data.symbols };
    const params = initParams(module, 0, symbols);
    const twice = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { ...v, data: v.data.map((x) => 2 * x) }]));
    const inputs = data.inputs;
    const [expected] = runFunc(f, { inputs, params: twice, symbols });
    const [actual] = runFunc(doubled, { inputs, params, symbols });
    expect(actual).toEqual(expected);
  });

  it("adds an input only when the function lacks it", () => {
    const f = funcOf(gcnSource(), "predict"); // eval mode reads no rng
    expect(f.body.some((n) => n.op === "s.input" && n.attrs.name === "rng")).toBe(false);
    const { func, id } = withInput(f, "rng", { kind: "rng" });
    expect(func.body[0].id).toBe(id);
    expect(verifyFunc(func)).toEqual([]);
    expect(withInput(func, "rng", { kind: "rng" })).toEqual({ func, id });
  });
});
