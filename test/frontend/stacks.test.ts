import { describe, expect, it } from "vitest";
import { printModule } from "../../compiler/ir/print.js";
import { formatType } from "../../compiler/ir/type-utils.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import { compileErr, compileOk, func, onlyModule, ops, paramTable } from "./helpers.js";

const RES_BLOCK = `block ResBlock(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g, mask) = conv(relu(norm(h)) * mask, g)
}
`;

function deep(stack: string, hidden = 80, layers: number | string = 1001): string {
  return `${RES_BLOCK}
model Deep(in_channels: int = 16, hidden: int = ${hidden}, layers: int${typeof layers === "number" ? ` = ${layers}` : ""}) {
  lin_in = Linear(in_channels, hidden)
  stack = ${stack}
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, hidden] {
    h = lin_in(x)
    m = dropout_mask(h, 0.1)
    return stack(h, g, m)
  }
}`;
}

const loopsOf = (src: string) => func(onlyModule(compileOk(src)), "forward").body.filter((n) => n.op === "s.loop");

describe("stacks", () => {
  it("lower repeat(n) to ONE s.loop whose IR size does not grow with n", () => {
    const size = (n: number) => ops(func(onlyModule(compileOk(deep("repeat(layers) ResBlock(hidden)", 80, n))), "forward")).length;
    expect(size(3)).toBe(size(300));
    const [loop] = loopsOf(deep("repeat(layers) ResBlock(hidden)", 80, 12));
    expect(loop.attrs).toEqual({ trip: 12 });
    expect(loop.regions).toHaveLength(1);
    expect(loop.regions![0].params.map((p) => p.type)).toEqual([
      { kind: "tensor", dtype: "i32", shape: [] },
      { kind: "tensor", dtype: "f32", shape: ["N", 80] },
    ]);
  });

  it("stack untied parameters along a leading dim and select one slice per iteration", () => {
    const m = onlyModule(compileOk(deep("repeat(layers) ResBlock(hidden)", 80, 12)));
    expect(paramTable(m)).toMatchObject({
      "stack.norm.weight": "[12,80]",
      "stack.conv.lin_l.weight": "[12,80,80]",
      "stack.conv.lin_r.weight": "[12,80,80]",
    });
    expect(m.params.filter((p) => p.name.startsWith("stack.")).every((p) => p.stacked)).toBe(true);
    const body = func(m, "forward").body.find((n) => n.op === "s.loop")!.regions![0].body;
    expect(body.filter((n) => n.op === "t.select")).toHaveLength(5);
  });

  it("share one parameter set in a tied stack: as many parameters as one block", () => {
    const tied = onlyModule(compileOk(deep("repeat(layers, tied = true) ResBlock(hidden)", 80, 12)));
    const single = onlyModule(compileOk(deep("ResBlock(hidden)", 80, 12)));
    const stackParams = (m: typeof tied) => m.params.filter((p) => p.name.startsWith("stack.")).map((p) => `${p.name}: [${p.type.shape}]`);
    expect(stackParams(tied)).toEqual(stackParams(single));
    expect(tied.params.some((p) => p.stacked)).toBe(false);
    expect(ops(func(tied, "forward"))).not.toContain("t.select");
  });

  it("keep the trip count and stacked dims symbolic for an int parameter without a value", () => {
    const m = onlyModule(compileOk(deep("repeat(layers) ResBlock(hidden)", 80, "symbolic")));
    expect(func(m, "forward").body.find((n) => n.op === "s.loop")!.attrs.trip).toBe("layers");
    expect(paramTable(m)["stack.norm.weight"]).toBe("[layers,80]");
  });

  it("lower a reversible stack to s.reversible with one block region per group; equilibrium to a loop with its mode", () => {
    const src = deep("reversible(groups = 2) repeat(layers) ResBlock(hidden / 2)", 80, 6);
    const rev = func(onlyModule(compileOk(src)), "forward").body.find((n) => n.op === "s.reversible")!;
    expect(rev.attrs).toEqual({ trip: 6, groups: 2, inverse: false });
    expect(rev.regions?.map((r) => r.params.map((p) => formatType(p.type)))).toEqual([
      ["i32[]", "f32[N,40]"],
      ["i32[]", "f32[N,40]"],
    ]);
    const [deq] = loopsOf(deep("equilibrium(max_iter = 30, tol = 1e-5) ResBlock(hidden)"));
    expect(deq.attrs).toEqual({ trip: 30, mode: "equilibrium", max_iter: 30, tol: 1e-5 });
  });

  it("give each group of a reversible stack its own (stacked) parameters", () => {
    const m = onlyModule(compileOk(deep("reversible(groups = 2) repeat(layers) ResBlock(hidden / 2)", 80, 6)));
    expect(paramTable(m)).toMatchObject({
      "stack.convs.0.norm.weight": "[6,40]",
      "stack.convs.1.conv.lin_l.weight": "[6,40,40]",
    });
  });

  it("nest: a repeated block holding a stack gets parameters stacked on both dims and nested loops", () => {
    const src = `block Inner(width: int) {
  lin = Linear(width, width)
  forward(h) = relu(lin(h))
}
block Outer(width: int) {
  inner = repeat(3) Inner(width)
  forward(h) = inner(h)
}
model Net(in_channels: int = 8) {
  stack = repeat(5) Outer(in_channels)
  forward(x: f32[N, in_channels]) = stack(x)
}`;
    const m = onlyModule(compileOk(src));
    expect(paramTable(m)).toEqual({ "stack.inner.lin.weight": "[5,3,8,8]", "stack.inner.lin.bias": "[5,3,8]" });
    const outer = func(m, "forward").body.find((n) => n.op === "s.loop")!;
    expect(outer.regions![0].body.some((n) => n.op === "s.loop" && n.attrs.trip === 3)).toBe(true);
  });

  it("compile a 1001-layer reversible model in well under a second", () => {
    const src = deep("reversible(groups = 2) repeat(layers) ResBlock(hidden / 2)", 80, 1001);
    compileOk(src); // warm up module loading
    const t0 = performance.now();
    const m = onlyModule(compileOk(src));
    const ms = performance.now() - t0;
    console.log(`1001-layer RevGNN: compiled in ${ms.toFixed(1)} ms, ${ops(func(m, "forward")).length} IR nodes`);
    expect(printModule(m).split("\n").length).toBeLessThan(200);
    expect(ms).toBeLessThan(1000);
  });

  it("reject a block that changes the carried shape, and groups that do not divide the width", () => {
    const carried = compileErr(deep("repeat(4) Linear(hidden, 40)"));
    expect(carried.map((d) => d.code)).toEqual(["E407"]);
    expect(carried[0].message).toBe("`stack` takes 1 input (x), found 3");
    const shrink = compileErr(`block Half(width: int) {
  lin = Linear(width, width / 2)
  forward(h, g, m) = lin(h)
}
${deep("repeat(4) Half(hidden)").replace(RES_BLOCK, "")}`);
    expect(shrink.map((d) => d.code)).toEqual(["E308"]);
    expect(shrink[0].message).toBe("`stack` carries f32[N,80] from block to block, but `Half` returns f32[N,40]");
    const groups = compileErr(deep("reversible(groups = 3) repeat(4) ResBlock(26)"));
    expect(groups.map((d) => d.code)).toEqual(["E309"]);
    expect(groups[0].labels?.[0].message).toBe("groups = 3 set here");
  });

  it("reject conflicting modifiers and BatchNorm statistics inside a stack", () => {
    expect(compileErr(deep("equilibrium() repeat(3) ResBlock(hidden)")).map((d) => d.code)).toEqual(["E313"]);
    expect(compileErr(deep("repeat(3) repeat(3) ResBlock(hidden)")).map((d) => d.code)).toEqual(["E313"]);
    const bn = `block B(width: int) {
  bn = BatchNorm(width)
  forward(h, g, m) = bn(h)
}
${deep("repeat(3) B(hidden)").replace(RES_BLOCK, "")}`;
    const d = compileErr(bn);
    expect(d.map((x) => x.code)).toEqual(["E313"]);
    expect(d[0].help).toMatch(/LayerNorm/);
  });
});

describe("stack IR", () => {
  it("verifies, loop attributes included", () => {
    for (const stack of ["repeat(layers) ResBlock(hidden)", "reversible(groups = 2) repeat(layers) ResBlock(hidden / 2)", "equilibrium(max_iter = 5) ResBlock(hidden)"]) {
      expect(verifyModule(onlyModule(compileOk(deep(stack, 80, 4))))).toEqual([]);
    }
  });
});
