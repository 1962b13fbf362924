import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import type { SafeTensor } from "../../runtime/checkpoint/safetensors.js";
import { compileTrain } from "../train/helpers.js";
import { runCli } from "../cli/harness.js";
import { decoupledSource } from "./sources.js";

/** The decoupled driver on the reference device: it learns, selects on validation, and resumes exactly. */

const asTensors = (state: Readonly<Record<string, TensorValue>>): Record<string, SafeTensor> =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [k, { dtype: "F32", shape: v.shape, data: v.data }]));

describe("decoupled training", () => {
  it("learns the classes after FT pass 0, reports every FT pass, and selects on validation", async () => {
    const { spec, module } = compileTrain(decoupledSource({ schedule: "modules = [16, 8], passes = 2, max_iter = 20" }), "s.gnn");
    const { result } = await runScheduledTraining(spec, module, { seed: 0 });
    const phases = result!.schedule.phases;
    expect(phases.map((p) => p.phase)).toEqual(["ft.0", "bt.1", "ft.1", "bt.2", "ft.2"]);
    const evaluated = phases.filter((p) => p.metrics);
    expect(evaluated.map((p) => p.label)).toEqual(["FT pass 0", "FT pass 1", "FT pass 2"]);
    expect(evaluated[0].metrics!.val_accuracy).toBeGreaterThan(0.7); // three classes: chance is 1/3
    // Each visit logs every step's loss; the module trained alone on CE gets better.
    const m1 = phases[0].visits[0];
    expect(m1.losses).toHaveLength(20);
    expect(m1.losses[19]).toBeLessThan(m1.losses[0]);
    const best = Math.max(...evaluated.map((p) => p.metrics!.val_accuracy));
    expect(result!.metrics.val_accuracy).toBe(best);
    expect(evaluated.find((p) => p.done === result!.selected_epoch)!.metrics!.val_accuracy).toBe(best);
    expect(result!.peak_bytes).toBe(result!.peak_bytes_predicted);
  }, 120_000);

  it("resumed after a phase, continues as the whole run did", async () => {
    const { spec, module } = compileTrain(decoupledSource({ schedule: "modules = [16, 8], passes = 2, max_iter = 5, batch = [64, 16]", select: "last" }), "s.gnn");
    const saved = new Map<number, Readonly<Record<string, TensorValue>>>();
    const whole = (await runScheduledTraining(spec, module, { seed: 3, onSelect: (done, state) => void saved.set(done, state) })).result!;
    expect([...saved.keys()]).toEqual([1, 3, 5]);
    // Transient tensors are recomputed in every phase: a checkpoint holds modules, heads, U, snapshots, optimizer states.
    expect(Object.keys(saved.get(3)!).sort()).toEqual(expect.arrayContaining(["m1.weight", "m1.head", "m2.u", "m1.weight.ft", "opt.m.m2.u"]));
    expect(Object.keys(saved.get(3)!).some((n) => /^(p|h|h_old|target)\./.test(n))).toBe(false);
    const start = { tensors: asTensors(saved.get(3)!), source: "ckpt", epoch: 3, metrics: whole.schedule.phases[2].metrics };
    const resumed = (await runScheduledTraining(spec, module, { seed: 3, start })).result!;
    expect(resumed.start_epoch).toBe(3);
    expect(resumed.schedule.phases.map((p) => p.phase)).toEqual(["bt.2", "ft.2"]);
    expect(resumed.schedule.phases.map((p) => p.visits)).toEqual(whole.schedule.phases.slice(3).map((p) => p.visits));
    expect(resumed.metrics).toEqual(whole.metrics);
  }, 120_000);

  it("keeps the optimizer's state across visits when told to", async () => {
    const src = (reset: boolean) => decoupledSource({ schedule: `modules = [16, 8], passes = 1, max_iter = 3, reset_optimizer = ${reset}` });
    const run = async (reset: boolean) => {
      const { spec, module } = compileTrain(src(reset), "s.gnn");
      return (await runScheduledTraining(spec, module, { seed: 1 })).result!.schedule.phases;
    };
    const [reset, kept] = [await run(true), await run(false)];
    // FT pass 0 visits each module once: the same; later visits start from the kept moments.
    expect(kept[0].visits).toEqual(reset[0].visits);
    expect(kept[2].visits).not.toEqual(reset[2].visits);
  }, 120_000);
});

describe("gnnc train with a schedule", () => {
  it("prints each phase, writes --json, --report (curve by pass) and --save; --resume trains further", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-sgnn-"));
    const files = { "s.gnn": decoupledSource(), "more.gnn": decoupledSource({ schedule: "modules = [16, 8], k = [1, 2], act = [leaky_relu, linear], passes = 2, max_iter = 4, batch = [all, 32]" }) };
    const ckpt = join(dir, "best.safetensors");
    const r = await runCli(["train", "s.gnn", "--json", join(dir, "r.json"), "--report", join(dir, "report"), "--save", ckpt], files);
    expect(r.stderr).toMatch(/phase 1\/3  FT pass 0  .*val_accuracy/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sgnn: selected FT pass \d \(phase \d of 3; val_accuracy \d\.\d{4}, test_accuracy \d\.\d{4}\)\n {2}FT pass 0: val_accuracy/);
    expect(r.stdout).toMatch(/ {2}BT pass 1 \(\d+\.\d\d s\)\n/);
    expect(r.stdout).toMatch(/device reference, seed 0, median phase/);
    const json = JSON.parse(readFileSync(join(dir, "r.json"), "utf8"));
    expect(json.schedule.phases.map((p: { phase: string }) => p.phase)).toEqual(["ft.0", "bt.1", "ft.1"]);
    expect(readFileSync(join(dir, "report", "curve.svg"), "utf8")).toContain(">pass<");
    expect(readFileSync(join(dir, "report", "report.md"), "utf8")).toMatch(/## Phases\n\ndecoupled: 2 modules/);

    // FT pass 1 is selected here; the same modules with a second round train on from it.
    expect(json.selected_epoch).toBe(3);
    const resumed = await runCli(["train", "more.gnn", "--resume", ckpt, "--quiet"], files);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain("resumed after phase 3");
    expect(resumed.stdout).toMatch(/\n {2}BT pass 2 \(.*\n {2}FT pass 2: val_accuracy/);
  }, 120_000);

  it("refuses to resume from the plan's last phase, saying why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-sgnn-"));
    const files = { "s.gnn": decoupledSource({ select: "last" }) };
    const ckpt = join(dir, "last.safetensors");
    expect((await runCli(["train", "s.gnn", "--save", ckpt, "--quiet"], files)).code).toBe(0);
    const r = await runCli(["train", "s.gnn", "--resume", ckpt, "--quiet"], files);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${ckpt} is at phase 3, and the plan of \`sgnn\` has 3: nothing left to train\n`);
  }, 120_000);

  it("refuses flags that set an epoch count", async () => {
    const r = await runCli(["train", "s.gnn", "--epochs", "3"], { "s.gnn": decoupledSource() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--epochs does not apply to `sgnn`: its schedule (`decoupled`) sets how long it trains");
  });
});
