import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { compileTraining } from "../../compiler/pipeline.js";
import { printScheduleProgram } from "../../compiler/schedules/print.js";
import { runCli } from "../cli/harness.js";
import { compileTrain } from "../train/helpers.js";
import { admmSource } from "./admm-sources.js";

/**
 * The admm kind's lowering: the GA-MLP read off the model (either form of the augmentation), its
 * stages, functions and plan, and every kind of bad input refused with a located error — by
 * `gnnc check` as by `gnnc train`.
 */

function lowered(src: string) {
  const { spec, module } = compileTrain(src, "s.gnn");
  const r = compileTraining(module, spec, { target: "reference" });
  if (!r.training) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return { program: r.training.schedule!, module: r.training.lowered };
}

const CONCAT_MODEL = `
model Concat(in_channels: int, out_channels: int, hidden: int = 8) {
  lin_in  = Linear(in_channels * 3, hidden)
  mid     = Linear(hidden, hidden)
  lin_out = Linear(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    xa = concat([x, propagate(x, g, K = 1), propagate(x, g, K = 2)])
    return lin_out(relu(mid(relu(lin_in(xa)))))
  }
}`;

describe("admm lowering", () => {
  it("reads the GA-MLP off the model and plans a phase per iteration, stage by stage", () => {
    const { program, module } = lowered(admmSource({ schedule: "layers = [2, 4], iterations = [3, 2]" }));
    expect(program.summary).toBe("admm: GA-MLP of 4 layers over [X, ÂX, …, Â^2X], stages [2, 4] of [3, 2] iterations");
    expect(program.phases.map((p) => p.name)).toEqual(["d2.1", "d2.2", "d2.3", "d4.1", "d4.2"]);
    const funcs = (k: number) => program.phases[k].steps.map((s) => (s.kind === "run" ? s.func : "reset"));
    expect(funcs(0)).toEqual(["admm.augment", "admm.d2.init", "admm.d2.l2.p", "admm.d2.l1.update", "admm.d2.l2.update", "admm.d2.report", "admm.d2.publish"]);
    expect(funcs(4)).toEqual(["admm.d4.l2.p", "admm.d4.l3.p", "admm.d4.l4.p", "admm.d4.l1.update", "admm.d4.l2.update", "admm.d4.l3.update", "admm.d4.l4.update", "admm.d4.report", "admm.d4.publish"]);
    // Each layer's functions belong to its part; the output layer to the model's last.
    expect(program.placement!.parts["admm.d2.l2.update"]).toBe(3);
    expect(program.placement!.parts["admm.d4.l3.p"]).toBe(2);
    expect(program.placement!.parts["admm.d4.report"]).toBeUndefined();
    // The first layer's input: the augmented features of the training rows, (K + 1)·F wide.
    expect(module.params.find((p) => p.name === "admm.x")!.type.shape).toEqual(["admm.rows", 60]);
    expect(module.funcs.map((f) => f.name)).toContain("predict");
    expect(printScheduleProgram(program, module)).toMatch(/phase d2\.1 "2 layers, iteration 1" then evaluate\n {2}run admm\.augment\(admm\.rows = batch\(train, all\)\)\n/);
  });

  it("evaluates every eval_every iterations and at the end of each stage", () => {
    const { program } = lowered(admmSource({ schedule: "layers = [2, 4], iterations = [5, 3]", extra: "eval_every = 2" }));
    expect(program.phases.filter((p) => p.evaluate).map((p) => p.name)).toEqual(["d2.2", "d2.4", "d2.5", "d4.2", "d4.3"]);
  });

  it("reads the augmentation written as a concat of propagations", () => {
    const src = admmSource({ model: "Concat(syn.num_features, syn.num_classes)", schedule: "iterations = 2" }).replace("model GAMLP", CONCAT_MODEL + "\nmodel GAMLP");
    const { program } = lowered(src);
    expect(program.summary).toMatch(/GA-MLP of 3 layers over \[X, ÂX, …, Â\^2X\], stages \[3\]/);
  });

  it("sends a quantised p as level indices: the entries on the level set, named for the wire", () => {
    const { program } = lowered(admmSource({ schedule: "layers = [4], iterations = 2, quantize = levels(-1, 20)" }));
    expect(Object.keys(program.placement!.quantized).sort()).toEqual(["admm.l2.p", "admm.l3.p", "admm.out.p"]);
    const q = lowered(admmSource({ schedule: "layers = [4], iterations = 2, quantize = [0, 0.5, 1, 4], quantize_target = q" })).program;
    expect(Object.keys(q.placement!.quantized).sort()).toEqual(["admm.l1.q", "admm.l2.q", "admm.l3.q"]);
  });
});

describe("admm refuses bad input with located errors, at check as at train", () => {
  const cases: [string, string, string, RegExp][] = [
    ["ρ ≤ 0", admmSource({ schedule: "rho = 0" }), "rho = 0", /error\[E552\]: `rho` of `admm` must be a number > 0, found `0`/],
    ["a negative ρ in a stage list", admmSource({ schedule: "layers = [2, 4], rho = [1e-3, -1]" }), "rho = [1e-3, -1]", /error\[E552\]: each value of `rho` of `admm` must be a number > 0/],
    ["levels not sorted", admmSource({ schedule: "quantize = [0, 2, 1]" }), "quantize = [0, 2, 1]", /error\[E552\]: `quantize` of `admm` is not a level set: the levels must be sorted ascending without repeats: 2 then 1, found `\[0, 2, 1\]`/],
    ["levels(a, b) with a > b", admmSource({ schedule: "quantize = levels(20, -1)" }), "quantize = levels(20, -1)", /the levels must be sorted: 20 is not below -1/],
    ["a level set of another form", admmSource({ schedule: "quantize = steps(3)" }), "quantize = steps(3)", /expected `levels\(a, b\)`, `linspace\(a, b, n\)`, `bits\(w, a, b\)`, a sorted list of values, or `none`, found steps\(3\)/],
    ["layers < 2", admmSource({ schedule: "layers = [1, 4]" }), "layers = [1, 4]", /error\[E552\]: each value of `layers` of `admm` must be a whole number in \[2, 1024\]/],
    ["stages that do not grow", admmSource({ schedule: "layers = [4, 2, 4]" }), "layers = [4, 2, 4]", /error\[E552\]: the stages of `layers` must grow/],
    ["a last stage other than the model's depth", admmSource({ schedule: "layers = [2, 3]" }), "layers = [2, 3]", /error\[E556\]: the last stage of `layers` must be the model's depth, 4, not 3/],
    ["a per-stage list of the wrong length", admmSource({ schedule: "layers = [2, 4], iterations = [1, 2, 3]" }), "iterations = [1, 2, 3]", /error\[E553\]: `iterations` has 3 values, but `layers` has 2/],
    ["more devices than layers", admmSource({ schedule: "devices = 5" }), "devices = 5", /error\[E552\]: 5 devices for 4 layers/],
    ["an optimizer", admmSource({ extra: "optimizer = adam(lr = 0.01)" }), "optimizer", /error\[E555\]: `optimizer` is not used with this block's schedule/],
  ];
  for (const [what, src, text, message] of cases) {
    it(what, async () => {
      const line = src.split("\n").findIndex((l) => l.includes(text));
      const col = src.split("\n")[line].indexOf(text) + 1;
      for (const command of ["check", "train"]) {
        const r = await runCli(command === "check" ? ["check", "s.gnn"] : ["train", "s.gnn", "--quiet"], { "s.gnn": src });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).toContain(`s.gnn:${line + 1}:${col}`);
      }
    });
  }

  const models: [string, string, string, RegExp][] = [
    ["a tanh between layers", "h = relu(lin_in(x, g))", "h = tanh(lin_in(x, g))", /error\[E556\]: ADMM trains an MLP over augmented features: `t.tanh` is not a ReLU between Linear layers/],
    ["a layer that is not Linear", "return lin_out(h)", "return lin_out(h) * 2.0", /error\[E556\]: ADMM trains an MLP over augmented features: the model's output is not a Linear layer/],
    ["a GCN layer in place of the augmentation", "lin_in  = AugmentedLinear(in_channels, hidden, K = K)", "lin_in  = GCNConv(in_channels, hidden)", /error\[E556\]: ADMM trains an MLP over augmented features/],
    ["a Linear without a bias", "lin_out = Linear(hidden, out_channels)", "lin_out = Linear(hidden, out_channels, bias = false)", /a Linear layer without a bias: ADMM updates every layer's bias/],
  ];
  for (const [what, from, to, message] of models) {
    it(`a model that is not an MLP over augmented features: ${what}`, async () => {
      const src = admmSource({ schedule: "iterations = 2" }).replace(from, to);
      expect(src).not.toBe(admmSource({ schedule: "iterations = 2" }));
      const r = await runCli(["check", "s.gnn"], { "s.gnn": src });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/--> s\.gnn:\d+:\d+/);
    });
  }

  it("one layer is not enough to split", async () => {
    const src = admmSource({ schedule: "iterations = 2" }).replace("    h = body(h)\n    return lin_out(h)", "    return lin_in(x, g)").replace(/model {5}= GAMLP\(syn.num_features, syn.num_classes\)/, "model     = GAMLP(syn.num_features, syn.num_classes, hidden = 3)");
    const r = await runCli(["check", "s.gnn"], { "s.gnn": src });
    expect(r.stderr).toMatch(/error\[E556\]: ADMM trains an MLP over augmented features: it has 1 layer, and ADMM splits at least 2/);
  });

  it("a warm start needs square hidden layers", async () => {
    const src = admmSource({ schedule: "layers = [2, 3]", layers: 3 }).replace("body    = repeat(layers - 2) Dense(hidden)", "body    = Linear(hidden, 5)").replace("lin_out = Linear(hidden, out_channels)", "lin_out = Linear(5, out_channels)").replace("h = body(h)", "h = relu(body(h))");
    const r = await runCli(["check", "s.gnn"], { "s.gnn": src });
    expect(r.stderr).toMatch(/error\[E556\]: a warm start adds layers at the identity: the model's hidden layers must all be as wide as the first/);
  });

  it("a block that trains is clean under check", async () => {
    const r = await runCli(["check", "s.gnn"], { "s.gnn": admmSource() });
    expect(r.stderr).toBe("");
    expect(compile(admmSource(), { file: "s.gnn" }).diagnostics).toEqual([]);
  });
});
