import { describe, expect, it } from "vitest";
import { compileErr, compileOk, onlyModule } from "./helpers.js";

const reader = (files: Record<string, string>) => (path: string) => files[path];

const MAIN = `import "lib/blocks.gnn"
model Net(c: int = 8) {
  res = Res(c)
  forward(x: f32[N, c], g: graph[N]) = res(x, g)
}`;

const BLOCKS = `import "common.gnn"
block Res(width: int) {
  conv = GCNConv(width, width)
  act = Act(width)
  forward(h, g) = act(h + conv(h, g))
}`;

const COMMON = `block Act(width: int) {
  norm = LayerNorm(width)
  forward(h) = relu(norm(h))
}`;

describe("imports", () => {
  it("resolve relative to the importing file and bring its blocks into scope", () => {
    const files = { "lib/blocks.gnn": BLOCKS, "lib/common.gnn": COMMON };
    const m = onlyModule(compileOk(MAIN, { readFile: reader(files) }));
    expect(m.params.map((p) => p.name)).toEqual(["res.conv.lin.weight", "res.conv.bias", "res.act.norm.weight", "res.act.norm.bias"]);
    // Parameters and IR nodes point into the file that declared them.
    expect(m.params[0].span?.file).toBe("lib/blocks.gnn");
    expect(m.params[2].span?.file).toBe("lib/common.gnn");
  });

  it("load a file imported twice (a diamond) once", () => {
    const files = {
      "a.gnn": `import "common.gnn"\nblock A(w: int) {\n  act = Act(w)\n  forward(h) = act(h)\n}`,
      "b.gnn": `import "common.gnn"\nblock B(w: int) {\n  act = Act(w)\n  forward(h) = act(h)\n}`,
      "common.gnn": COMMON,
    };
    const src = `import "a.gnn"\nimport "b.gnn"\nmodel Net(c: int = 4) {\n  a = A(c)\n  b = B(c)\n  forward(x: f32[N, c]) = b(a(x))\n}`;
    expect(compileOk(src, { readFile: reader(files) }).modules).toHaveLength(1);
  });

  it("report an import cycle with the whole chain", () => {
    const files = { "lib/blocks.gnn": `import "../test.gnn"\n${BLOCKS}`, "lib/common.gnn": COMMON };
    const diags = compileErr(MAIN, { readFile: reader(files) });
    expect(diags.map((d) => d.code)).toEqual(["E205"]);
    expect(diags[0].message).toBe("import cycle: test.gnn → lib/blocks.gnn → test.gnn");
    expect(diags[0].span.file).toBe("lib/blocks.gnn");
  });

  it("report a file that cannot be read, and the names it would have declared", () => {
    const diags = compileErr(MAIN, { readFile: reader({}) });
    expect(diags.map((d) => d.code)).toEqual(["E204", "E202"]);
    expect(diags[0].message).toBe("cannot read imported file `lib/blocks.gnn`");
    const nested = compileErr(MAIN, { readFile: reader({ "lib/blocks.gnn": BLOCKS }) });
    expect(nested[0].message).toBe("cannot read imported file `lib/common.gnn`");
    expect(nested[0].help).toBe("import paths are relative to the importing file; `common.gnn` resolved to `lib/common.gnn`");
  });

  it("report syntax errors of an imported file in that file", () => {
    const files = { "lib/blocks.gnn": BLOCKS, "lib/common.gnn": "block Act(width: int) {\n  norm = LayerNorm(width\n}" };
    const diags = compileErr(MAIN, { readFile: reader(files) });
    expect(diags[0].code).toMatch(/^E1/);
    expect(diags[0].span.file).toBe("lib/common.gnn");
  });

  it("report a name declared in two files, with a label in the other file", () => {
    const files = { "lib/blocks.gnn": BLOCKS, "lib/common.gnn": COMMON };
    const diags = compileErr(`${MAIN}\nblock Act(width: int) {\n  lin = Linear(width, width)\n  forward(h) = lin(h)\n}`, { readFile: reader(files) });
    expect(diags.map((d) => d.code)).toEqual(["E203"]);
    expect(diags[0].span.file).toBe("test.gnn");
    expect(diags[0].labels![0].span.file).toBe("lib/common.gnn");
  });

  it("use a custom import resolver when one is given", () => {
    const files = { "/abs/lib/blocks.gnn": BLOCKS, "/abs/lib/common.gnn": COMMON };
    const resolveImport = (from: string, spec: string) => (from === "test.gnn" ? `/abs/${spec}` : `/abs/lib/${spec}`);
    expect(compileOk(MAIN, { readFile: reader(files), resolveImport }).modules).toHaveLength(1);
  });

  it("points at the instantiation when an imported block fails for one use", () => {
    const files = { "lib/blocks.gnn": BLOCKS, "lib/common.gnn": COMMON };
    const main = MAIN.replace("forward(x: f32[N, c], g: graph[N]) = res(x, g)", "forward(x: f32[N, 4], g: graph[N]) = res(x, g)");
    const [d] = compileErr(main, { readFile: reader(files) });
    expect(d.code).toBe("E301");
    expect(d.span.file).toBe("lib/blocks.gnn");
    const site = d.labels?.find((l) => l.message === "`res` is instantiated here");
    expect(site?.span.file).toBe("test.gnn");
    expect(site?.span.start.line).toBe(3);
  });
});
