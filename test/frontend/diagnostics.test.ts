import { describe, expect, it } from "vitest";
import { compileErr, compileOk, FILE, onlyModule, paramTable } from "./helpers.js";

const at = (d: { span: { start: { line: number; column: number } } }) => `${d.span.start.line}:${d.span.start.column}`;

describe("names, arguments and shapes", () => {
  it("suggests the layer meant by a wrongly capitalised name", () => {
    const [d] = compileErr(`model M(c: int) {
  conv = GCNconv(c, 7)
  forward(x: f32[N, c], g: graph[N]) = conv(x, g)
}`);
    expect(d.code).toBe("E202");
    expect(d.message).toBe("unknown layer or block `GCNconv`");
    expect(d.help).toBe("did you mean `GCNConv`?");
    expect(at(d)).toBe("2:10");
  });

  it("reports a shape mismatch at the argument, with a label at the layer's declaration", () => {
    const diags = compileErr(`model GCN(in_channels: int = 12) {
  conv1 = GCNConv(in_channels, 32)
  conv2 = GCNConv(16, 7)
  forward(x: f32[N, in_channels], g: graph[N]) {
    h = conv1(x, g)
    return conv2(h, g)
  }
}`);
    expect(diags).toHaveLength(1);
    const [d] = diags;
    expect(d.code).toBe("E301");
    expect(d.message).toBe("`conv2` expects f32[N,16], found f32[N,32]");
    expect(at(d)).toBe("6:18");
    const decl = d.labels!.find((l) => l.span.start.line === 3)!;
    expect(decl.message).toBe("`conv2` expects f32[N,16] (in_channels = 16)");
    expect(decl.span.file).toBe(FILE);
    expect(d.labels!.find((l) => l.span.start.line === 6)!.message).toBe("this is f32[N,32]");
  });

  it("checks the declared return type of forward", () => {
    const [d] = compileErr(`model M(c: int = 4, out: int = 3) {
  lin = Linear(c, 5)
  forward(x: f32[N, c]) -> f32[N, out] {
    return lin(x)
  }
}`);
    expect(d.code).toBe("E303");
    expect(d.message).toBe("`forward` of `M` returns f32[N,5], but its declared type is f32[N,3]");
    expect(d.labels!.map((l) => l.message)).toContain("declared here");
  });

  it("turns an op's type error into a diagnostic with both operands labelled", () => {
    const [d] = compileErr(`model M(c: int = 4) {
  lin = Linear(c, 5)
  forward(x: f32[N, c]) = lin(x) @ x
}`);
    expect(d.code).toBe("E302");
    expect(d.message).toMatch(/f32\[N,5\].*f32\[N,4\]/);
    expect(d.labels!.map((l) => l.message).sort()).toEqual(["this is f32[N,4]", "this is f32[N,5]"]);
  });

  it("checks arity, names, duplicates and kinds of layer arguments, reporting them all", () => {
    const diags = compileErr(`model M(c: int = 4) {
  a = Linear(c, 5, true, "glorot", 1)
  forward(x: f32[N, c]) = a(x)
}
model M2(c: int = 4) {
  b = Linear(c, 5, bais = true, out_channels = 3)
  forward(x: f32[N, c]) = b(x)
}
model M3(c: int = 4) {
  d = GATConv(c, 5, heads = 2.5, dropout = 1.5)
  forward(x: f32[N, c], g: graph[N]) = d(x, g)
}`);
    expect(diags.map((d) => d.code)).toEqual(["E404", "E401", "E403", "E405", "E406"]);
    expect(diags[1].help).toBe("did you mean `bias`?");
    expect(diags[3].message).toBe("argument `heads` of `GATConv` must be an int, found float 2.5");
    expect(diags[4].message).toBe("argument `dropout` of `GATConv` must be in [0, 1], found float 1.5");
  });

  it("checks strings against their allowed values", () => {
    const [d] = compileErr(`model M(c: int = 4) {
  s = SAGEConv(c, 5, aggr = "maen")
  forward(x: f32[N, c], g: graph[N]) = s(x, g)
}`);
    expect(d.code).toBe("E406");
    expect(d.help).toBe('did you mean "mean"?');
  });

  it("checks user blocks' arguments like layers', with defaults that use earlier parameters", () => {
    const ok = compileOk(`block B(width: int, hidden: int = width * 2, p: float = 0.5) {
  lin1 = Linear(width, hidden)
  lin2 = Linear(hidden, width)
  forward(h) = lin2(dropout(relu(lin1(h)), p))
}
model M(c: int = 4) {
  b = B(c, p = 1)
  forward(x: f32[N, c]) = b(x)
}`);
    expect(paramTable(onlyModule(ok))["b.lin1.weight"]).toBe("[8,4]");
    const diags = compileErr(`block B(width: int, p: float = 0.5) {
  lin = Linear(width, width)
  forward(h) = dropout(lin(h), p)
}
model M(c: int = 4) {
  b = B(p = "high", widht = 3)
  forward(x: f32[N, c]) = b(x)
}`);
    expect(diags.map((d) => d.code)).toEqual(["E405", "E401"]);
    expect(diags[0].message).toBe('argument `p` of `B` must be a number, found string "high"');
    expect(diags[1].help).toBe("did you mean `width`?");
  });

  it("does integer arithmetic on sizes exactly and reports an inexact division with its values", () => {
    const ok = onlyModule(compileOk(`model M(c: int = 4, hidden: int = 80) {
  a = Linear(c, hidden / 2 + 1)
  b = Linear(hidden / 2 + 1, (hidden - 10) * 2)
  forward(x: f32[N, c]) = b(a(x))
}`));
    expect(paramTable(ok)["b.weight"]).toBe("[140,41]");
    const [d] = compileErr(`model M(c: int = 4, hidden: int = 81) {
  a = Linear(c, hidden / 2)
  forward(x: f32[N, c]) = a(x)
}`);
    expect(d.code).toBe("E304");
    expect(d.message).toBe("integer division `hidden / 2` is not exact (81 / 2)");
    expect(at(d)).toBe("2:17");
  });

  it("keeps sizes symbolic when parameters have no value", () => {
    const m = onlyModule(compileOk(`model M(in_channels: int, hidden: int = 16) {
  a = Linear(in_channels * 2, hidden)
  forward(x: f32[N, in_channels], y: f32[N, in_channels]) = a(concat([x, y]))
}`));
    expect(paramTable(m)["a.weight"]).toBe("[16,in_channels*2]");
  });

  it("binds free dimension names in a block's declared input types and checks them", () => {
    const [d] = compileErr(`block B(width: int) {
  lin = Linear(width, width)
  forward(h: f32[N, width], g: graph[N]) = lin(h)
}
model M(c: int = 4) {
  b = B(c)
  forward(x: f32[N, c], g: graph[M]) = b(x, g)
}`);
    expect(d.code).toBe("E307");
    expect(d.message).toBe("`b` expects `g: graph[N]`, found graph[M]");
  });

  it("rejects unknown names in forward with the visible names", () => {
    const [d] = compileErr(`model M(c: int = 4, p: float = 0.5) {
  lin = Linear(c, 4)
  forward(x: f32[N, c]) = lin(dropout(x, prob))
}`);
    expect(d.code).toBe("E201");
    expect(d.help).toBe("the names visible here are `x`, `lin`, `c`, `p`");
  });

  it("reports duplicate members and statements after return", () => {
    const dup = compileErr(`model M(c: int = 4) {
  lin = Linear(c, 4)
  lin = Linear(c, 8)
  forward(x: f32[N, c]) = lin(x)
}`);
    expect(dup.map((d) => d.code)).toEqual(["E203"]);
    const late = compileErr(`model M(c: int = 4) {
  lin = Linear(c, 4)
  forward(x: f32[N, c]) {
    return lin(x)
    y = x
  }
}`);
    expect(late.map((d) => d.code)).toEqual(["E310"]);
  });

  it("skips models that need non-int arguments when there is no train block", () => {
    const p = compileOk(`model A(c: int) {
  lin = Linear(c, 2)
  forward(x: f32[N, c]) = lin(x)
}
model B(c: int, p: float) {
  lin = Linear(c, 2)
  forward(x: f32[N, c]) = dropout(lin(x), p)
}`);
    expect(p.modules.map((m) => m.name)).toEqual(["A"]);
  });
});
