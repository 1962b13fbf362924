import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";

/** Every independent semantic error of a file is reported at once, as the parser does for syntax; follow-on errors are not. */
const codes = (text: string) => compile(text, { file: "f.gnn" }).diagnostics.map((d) => `${d.code} ${d.span.start.line}`);

describe("all semantic errors at once", () => {
  it("eleven unknown layers are eleven errors", () => {
    const members = Array.from({ length: 11 }, (_, i) => `  l${i} = Foo${i}(4, 4)`).join("\n");
    const r = compile(`model M() {\n${members}\n  forward(x: f32[N, 4], g: graph[N]) = l0(x)\n}\n`, { file: "f.gnn" });
    expect(r.diagnostics.map((d) => d.message)).toEqual(Array.from({ length: 11 }, (_, i) => `unknown layer or block \`Foo${i}\``));
  });

  it("independent statements of a forward each report their error; statements that use a failed value stay quiet", () => {
    const text = `model M() {
  lin = Linear(4, 4)
  wide = Linear(8, 4)
  forward(x: f32[N, 4], g: graph[N]) {
    a = lin(x) + undefined_name
    b = wide(x)
    c = relu(a) + lin(b)
    d = nosuch(x)
    return lin(c)
  }
}
`;
    expect(codes(text)).toEqual(["E201 5", "E301 6", "E202 8"]);
  });

  it("a bad model trained by two blocks: its error once, and neither block builds it (no internal error)", () => {
    const block = (name: string) => `train ${name} {\n  data = synthetic.csbm(nodes = 20, classes = 2, features = 4)\n  model = M(4, 2)\n  loss = cross_entropy(mask = train)\n  optimizer = adam(lr = 0.01)\n  epochs = 2\n}\n`;
    const text = `model M(i: int, o: int, hidden: int = -1) {\n  conv = GCNConv(i, hidden)\n  out = Linear(hidden, o)\n  forward(x: f32[N, i], g: graph[N]) = out(conv(x, g))\n}\n${block("a")}${block("b")}`;
    expect(codes(text)).toEqual(["E406 2", "E406 3"]);
  });

  it("errors in several models, datasets and train keys come together", () => {
    const text = `dataset bad = synthetic.csbm(nodes = 0, classes = 2, features = 4)
model A() {
  l = Nope(1)
  forward(x: f32[N, 4], g: graph[N]) = l(x)
}
model B(in_channels: int) {
  l = Linear(in_channels, 4)
  forward(x: f32[N, in_channels], g: graph[N]) = l(x) + missing
}
train t {
  data = bad
  model = B(4)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 0
}
`;
    expect(codes(text).sort()).toEqual(["E201 8", "E202 3", "E406 1", "E512 15"]); // model A is used by no train block: checked all the same
  });

  it("an error in a model shared by two train blocks is told once", () => {
    const train = (name: string) => `train ${name} {\n  data = syn\n  model = M()\n  loss = cross_entropy(mask = train)\n  optimizer = adam(lr = 0.01)\n  epochs = 1\n}\n`;
    const text = `dataset syn = synthetic.csbm(nodes = 50, classes = 2, features = 4)
model M() {
  l = Nope(1)
  forward(x: f32[N, 4], g: graph[N]) = l(x)
}
${train("a")}${train("b")}`;
    expect(codes(text)).toEqual(["E202 3"]);
  });
});
