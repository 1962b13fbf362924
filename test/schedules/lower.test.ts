import { describe, expect, it } from "vitest";
import { compileTraining } from "../../compiler/pipeline.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import { funcCost } from "../../compiler/plan/flops.js";
import { printScheduleProgram } from "../../compiler/schedules/print.js";
import type { RunStep } from "../../compiler/schedules/program.js";
import { compileTrain } from "../train/helpers.js";
import { runCli } from "../cli/harness.js";
import { decoupledSource } from "./sources.js";

/** The decoupled kind's schedule program: its functions, its state, its plan, and what a step costs. */

function lowered(schedule?: string, target: "reference" | "gpu" = "reference") {
  const { spec, module } = compileTrain(decoupledSource(schedule ? { schedule } : {}), "s.gnn");
  const r = compileTraining(module, spec, { target });
  if (!r.training) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { ...r.training, program: r.training.schedule! };
}

const runs = (steps: readonly { kind: string }[]) => steps.filter((s): s is RunStep => s.kind === "run").map((s) => (s.times > 1 ? `${s.func}×${s.times}` : s.func));

describe("the decoupled schedule program", () => {
  it("has FT pass 0, then a BT and an FT pass per round, each phase named and evaluated after FT", () => {
    const { program } = lowered("modules = [16, 8], passes = 2, max_iter = 3");
    expect(program.phases.map((p) => [p.name, p.label, p.evaluate])).toEqual([
      ["ft.0", "FT pass 0", true],
      ["bt.1", "BT pass 1", false],
      ["ft.1", "FT pass 1", true],
      ["bt.2", "BT pass 2", false],
      ["ft.2", "FT pass 2", true],
    ]);
  });

  it("visits modules in order in FT and in reverse in BT, recomputing what a visit needs of earlier passes", () => {
    const { program } = lowered("modules = [16, 8, 4], k = [1, 2, 1], passes = 1, max_iter = 3");
    const [ft0, bt1, ft1] = program.phases;
    expect(runs(ft0.steps)).toEqual(["propagate.x", "m1.ft_ce×3", "m1.embed", "propagate.k2.16", "m2.ft_ce×3", "m2.embed", "propagate.k1.8", "m3.ft_ce×3", "m3.embed"]);
    // BT: module t's input H_{t-1} is recomputed with the modules below it (their weights as FT left them).
    expect(runs(bt1.steps)).toEqual([
      ...["propagate.x", "m1.embed_old", "propagate_old.k2.16", "m2.embed_old", "propagate_old.k1.8", "m3.bt_ce×3", "m3.target"],
      ...["propagate.x", "m1.embed_old", "propagate_old.k2.16", "m2.bt_mse×3", "m2.target"],
      ...["propagate.x", "m1.bt_mse×3"],
    ]);
    // FT after BT: each module's target T_t = H_t U_{t+1} from the chain of the last FT pass, then the new chain.
    expect(runs(ft1.steps)).toEqual([
      ...["propagate.x", "m1.embed_old", "m2.target", "propagate.x", "m1.ft_mse×3", "m1.embed"],
      ...["propagate_old.k2.16", "m2.embed_old", "m3.target", "propagate.k2.16", "m2.ft_mse×3", "m2.embed"],
      ...["propagate.k1.8", "m3.ft_ce×3", "m3.embed"],
    ]);
  });

  it("restarts the optimizer at every visit and U at every backward visit, unless told not to", () => {
    const { program } = lowered("modules = [16, 8], passes = 1");
    const resets = program.phases[1].steps.filter((s) => s.kind === "reset");
    expect(resets[0]).toEqual({ kind: "reset", zeros: ["opt.m.m2.weight", "opt.v.m2.weight", "opt.m.m2.head", "opt.v.m2.head", "opt.m.m2.u", "opt.v.m2.u"], identity: ["m2.u"], counters: ["m2"] });
    const kept = lowered("modules = [16, 8], passes = 1, reset_optimizer = false").program;
    expect(kept.phases[1].steps.filter((s) => s.kind === "reset")).toEqual([{ kind: "reset", zeros: [], identity: ["m2.u"], counters: [] }]);
  });

  it("declares each module's weight, head and U (trained from the identity, modules after the first), and snapshots", () => {
    const { lowered: m, program } = lowered("modules = [16, 8], passes = 1");
    const info = (n: string) => m.params.find((p) => p.name === n);
    expect(info("m1.weight")).toMatchObject({ type: { shape: [16, 20] }, init: { kind: "glorot" }, trainable: true });
    expect(info("m1.head")).toMatchObject({ type: { shape: [3, 16] }, trainable: true });
    expect(info("m1.u")).toBeUndefined();
    expect(info("m2.u")).toMatchObject({ type: { shape: [16, 16] }, init: { kind: "identity" }, trainable: true });
    expect(info("m1.weight.ft")).toMatchObject({ trainable: false });
    expect(info("m2.weight.ft")).toBeUndefined();
    // Tensors flowing between functions are one per width, recomputed in every phase.
    expect([...program.transient].sort()).toEqual(["h.16", "h.8", "h_old.16", "p.16", "p.x", "target.16"]);
    expect(verifyModule(m)).toEqual([]);
  });

  it("without rounds, has FT pass 0 only: no U, snapshots or targets", () => {
    const { lowered: m, program } = lowered("modules = [16, 8], passes = 0");
    expect(program.phases.map((p) => p.name)).toEqual(["ft.0"]);
    expect(m.params.filter((p) => /\.u$|\.ft$|^target|^h_old/.test(p.name))).toEqual([]);
  });

  it("trains each step's own module only: W, its head with CE, U where trained", () => {
    const { lowered: m } = lowered("modules = [16, 8], passes = 1");
    const updated = (f: string) => m.funcs.find((x) => x.name === f)!.resultNames.filter((n) => n !== "loss" && !n.startsWith("opt."));
    expect(updated("m1.ft_ce")).toEqual(["m1.weight", "m1.head", "m1.weight.ft"]);
    expect(updated("m1.ft_mse")).toEqual(["m1.weight", "m1.weight.ft"]);
    expect(updated("m1.bt_mse")).toEqual(["m1.weight"]);
    expect(updated("m2.bt_ce")).toEqual(["m2.weight", "m2.head", "m2.u"]);
  });
});

describe("mini-batch steps", () => {
  it("cost the same whatever the node count, for a fixed batch (the cost model's FLOPs and bytes)", () => {
    const { module } = lowered("modules = [16, 8], passes = 1, batch = 32", "gpu");
    const sizes = (N: number) => ({ N, E: 6 * N, "m1.rows": 32, "m2.rows": 32, "m1.train_rows": 32, "m1.all_rows": 32 });
    const steps = module.funcs.filter((f) => /_(ce|mse)$/.test(f.name));
    expect(steps.map((f) => f.name).sort()).toEqual(["m1.bt_mse", "m1.ft_ce", "m1.ft_mse", "m2.bt_ce", "m2.ft_ce"]);
    for (const f of steps) {
      const small = funcCost(f, sizes(1_000));
      expect(small.flops, f.name).toBeGreaterThan(0);
      expect(funcCost(f, sizes(1_000_000)), f.name).toEqual(small);
    }
    // What runs once per visit over all nodes does grow with N.
    const embed = module.funcs.find((f) => f.name === "m1.embed")!;
    expect(funcCost(embed, sizes(1_000_000)).flops).toBe(1000 * funcCost(embed, sizes(1_000)).flops);
  });
});

describe("gnnc ir and gnnc compile", () => {
  it("gnnc ir prints the schedule program: the plan, then every function", async () => {
    const r = await runCli(["ir", "s.gnn"], { "s.gnn": decoupledSource() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^schedule decoupled: 2 modules \(20 → 16 → 8\), k = \[1, 2\], FT pass 0 then 1 round of BT and FT\n/);
    expect(r.stdout).toContain('phase ft.0 "FT pass 0" then evaluate\n  run propagate.x\n');
    expect(r.stdout).toContain("run m1.ft_ce ×4(m1.rows = batch(train, all), t = step(m1), lr = 0.01) log loss");
    expect(r.stdout).toContain("func m2.bt_ce {");
    const { program, lowered: m } = lowered();
    expect(r.stdout).toBe(printScheduleProgram(program, m) + "\n");
  });

  it("gnnc compile writes the program and every function's kernels", async () => {
    const { mkdtempSync, readFileSync, readdirSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const out = mkdtempSync(join(tmpdir(), "gnnc-schedule-"));
    const r = await runCli(["compile", "s.gnn", "--out", out], { "s.gnn": decoupledSource() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, "module.ir"), "utf8")).toMatch(/^schedule decoupled/);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    expect(plan.functions.map((f: { name: string }) => f.name)).toContain("m1.ft_mse");
    expect(readdirSync(join(out, "kernels")).some((k) => k.startsWith("t_gather_rows"))).toBe(true);
  });
});
