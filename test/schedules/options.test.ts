import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { runCli } from "../cli/harness.js";
import { decoupledSource } from "./sources.js";

/**
 * A schedule's options are checked against its kind's schema before anything is lowered, each
 * error at its option with a hint; what depends on the rest of the block is refused by lowering,
 * which `gnnc check` runs too: check refuses what train would.
 */

function errors(source: string) {
  return compile(source, { file: "s.gnn" }).diagnostics.filter((d) => d.severity === "error");
}

const at = (source: string, text: string) => {
  const line = source.split("\n").findIndex((l) => l.includes(text));
  return { line: line + 1, col: source.split("\n")[line].indexOf(text) + 1 };
};

describe("decoupled options", () => {
  it("accept the published form and fill in the defaults", () => {
    expect(errors(decoupledSource())).toEqual([]);
    expect(errors(decoupledSource({ schedule: "modules = [8]" }))).toEqual([]);
  });

  it("refuse an unknown option with a did-you-mean, located at the option", () => {
    const src = decoupledSource({ schedule: "modules = [16, 8], max_iters = 3" });
    const [e] = errors(src);
    expect(e.code).toBe("E550");
    expect(e.message).toBe("`decoupled` has no option `max_iters`");
    expect(e.help).toBe("did you mean `max_iter`?");
    expect({ line: e.span.start.line, col: e.span.start.column }).toEqual(at(src, "max_iters"));
  });

  it("refuse wrong types and values out of range, naming what is expected", () => {
    const type = errors(decoupledSource({ schedule: "modules = [16, 8], eta = fast" }));
    expect(type.map((e) => [e.code, e.message])).toEqual([["E551", "`eta` of `decoupled` must be a number ≥ 0, found `fast`"]]);
    const range = errors(decoupledSource({ schedule: "modules = [16, 0]" }));
    expect(range[0].code).toBe("E552");
    expect(range[0].message).toMatch(/^each value of `modules` of `decoupled` must be a whole number in \[1, /);
    const word = errors(decoupledSource({ schedule: "modules = [16, 8], act = [relu, softmax]" }));
    expect(word[0].message).toBe("each value of `act` of `decoupled` must be one of `relu`, `leaky_relu`, `linear`, `tanh`, `sigmoid`, `elu`, found `[relu, softmax]`");
    const batch = errors(decoupledSource({ schedule: "modules = [16, 8], batch = 0.5" }));
    expect(batch[0].message).toMatch(/`batch` of `decoupled` must be a whole number in \[1, \d+\] or `all`, found `0.5`/);
  });

  it("refuse a per-module list of the wrong length, pointing at both lists", () => {
    const src = decoupledSource({ schedule: "modules = [16, 8, 4], k = [1, 2]" });
    const [e] = errors(src);
    expect(e.code).toBe("E553");
    expect(e.message).toBe("`k` has 2 values, but `modules` has 3");
    expect(e.help).toBe("give one value per entry of `modules`, or one value for all of them");
    expect(e.labels?.[0].message).toBe("3 entries here");
  });

  it("need `modules`, and report every problem at once", () => {
    const all = errors(decoupledSource({ schedule: "k = 2, eta = -1, warmup = 3" }));
    expect(all.map((e) => e.code).sort()).toEqual(["E550", "E552", "E554"]);
    expect(all.find((e) => e.code === "E554")?.message).toBe("`decoupled` needs `modules`");
  });

  it("refuse `model` and `epochs`, which the schedule does not use, and do not require them", () => {
    const src = decoupledSource({ extra: "model = GCN(3, 3)\n  epochs = 10" });
    const es = errors(src);
    expect(es.map((e) => [e.code, e.message])).toEqual([
      ["E555", "`model` is not used with this block's schedule"],
      ["E555", "`epochs` is not used with this block's schedule"],
    ]);
    expect(es[0].help).toMatch(/remove `model = …`/);
  });
});

describe("the rest of the block, refused by lowering (and so by gnnc check)", () => {
  const cases: [string, string, RegExp][] = [
    ["a loss other than cross_entropy", decoupledSource({ loss: "nll(mask = train)" }), /error\[E556\]: decoupled training trains each module with `cross_entropy` \(a head per module\) or `reconstruction` \(a graph auto-encoder\), not `nll`/],
    ["a learning-rate schedule", decoupledSource({ extra: "lr_schedule = cosine(t_max = 10)" }), /error\[E556\]: a learning-rate schedule does not apply to decoupled training/],
    ["an optimizer group naming no module", decoupledSource().replace("adam(lr = 0.01)", "adam(lr = 0.01, groups = [group(m3, lr = 0.1)])"), /error\[E556\]: optimizer group `m3` names no module/],
    [
      "a set of graphs",
      decoupledSource().replace(/synthetic\.csbm\([^)]*\)/, "synthetic.graphs(graphs = 40, classes = 3, min_nodes = 5, max_nodes = 9, features = 4, seed = 0)"),
      /error\[E556\]: decoupled training classifies nodes, but dataset `syn` is a set of graphs/,
    ],
  ];
  for (const [what, src, message] of cases) {
    it(what, async () => {
      const check = await runCli(["check", "s.gnn"], { "s.gnn": src });
      const train = await runCli(["train", "s.gnn", "--quiet"], { "s.gnn": src });
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(message);
      expect(train.code).toBe(1);
      expect(train.stderr).toMatch(message);
    });
  }

  it("a block that trains is clean under check", async () => {
    const r = await runCli(["check", "s.gnn"], { "s.gnn": decoupledSource() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
