import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import type { SafeTensor } from "../../runtime/checkpoint/safetensors.js";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { runCli } from "../cli/harness.js";
import { compileTrain } from "../train/helpers.js";
import { admmSource } from "./admm-sources.js";

/** ADMM training on the reference device: it learns, reports each iteration, selects the model's depth, resumes exactly. */

const asTensors = (state: Readonly<Record<string, TensorValue>>): Record<string, SafeTensor> =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [k, { dtype: "F32", shape: v.shape, data: v.data }]));

describe("ADMM training", () => {
  it("learns the classes, reports objective, residual and ρ every iteration, and selects among the model's depth", async () => {
    const { spec, module } = compileTrain(admmSource({ schedule: "layers = [2, 4], iterations = [30, 20], rho = 1, nu = 1, mu = 1", extra: "eval_every = 4" }), "s.gnn");
    const { result } = await runScheduledTraining(spec, module, { seed: 0 });
    const phases = result!.schedule.phases;
    expect(phases).toHaveLength(50);
    for (const p of phases) expect(Object.keys(p.measures!)).toEqual(["objective", "residual", "rho", "layer_bytes", "layer_bytes_f32"]);
    // Evaluated every 4 iterations and at each stage's end; selected among the 4-layer phases only.
    const every4 = (stage: string, n: number) => Array.from({ length: Math.floor(n / 4) }, (_, k) => `${stage}.${4 * (k + 1)}`);
    expect(phases.filter((p) => p.metrics).map((p) => p.phase)).toEqual([...every4("d2", 30), "d2.30", ...every4("d4", 20)]);
    expect(result!.selected_epoch).toBeGreaterThan(30);
    expect(result!.metrics.val_accuracy).toBeGreaterThan(0.7); // three classes: chance is 1/3
    // The layers come to agree: p_{l+1} closer to q_l.
    const stage = phases.slice(30);
    expect(stage[stage.length - 1].measures!.residual).toBeLessThan(stage[0].measures!.residual);
    // Three boundaries of T rows × 8 channels, p, q and u each, as f32.
    const T = 60;
    expect(stage[1].measures!.layer_bytes).toBe(3 * 3 * T * 8 * 4);
  }, 300_000);

  it("resumed after a phase, continues as the whole run did", async () => {
    const { spec, module } = compileTrain(admmSource({ schedule: "layers = [2, 4], iterations = [3, 3], rho = 0.01, nu = 0.01", select: "last" }), "s.gnn");
    const saved = new Map<number, Readonly<Record<string, TensorValue>>>();
    const whole = (await runScheduledTraining(spec, module, { seed: 3, onSelect: (done, state) => void saved.set(done, state) })).result!;
    expect([...saved.keys()]).toEqual([4, 5, 6]);
    const start = { tensors: asTensors(saved.get(4)!), source: "ckpt", epoch: 4, metrics: whole.schedule.phases[3].metrics };
    const resumed = (await runScheduledTraining(spec, module, { seed: 3, start })).result!;
    expect(resumed.schedule.phases.map((p) => p.phase)).toEqual(["d4.2", "d4.3"]);
    expect(resumed.schedule.phases.map((p) => p.measures)).toEqual(whole.schedule.phases.slice(4).map((p) => p.measures));
    expect(resumed.metrics).toEqual(whole.metrics);
  }, 300_000);

  it("gnnc train plots the objective and residual in --report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gnnc-admm-"));
    const r = await runCli(["train", "s.gnn", "--report", join(dir, "report")], { "s.gnn": admmSource({ schedule: "layers = [4], iterations = 3" }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^admm_run: selected 4 layers, iteration \d/);
    const svg = readFileSync(join(dir, "report", "measures.svg"), "utf8");
    expect(svg).toContain('data-series="objective"');
    expect(svg).toContain('data-series="residual"');
    const md = readFileSync(join(dir, "report", "report.md"), "utf8");
    expect(md).toMatch(/## Phases\n\nadmm: GA-MLP of 4 layers/);
    expect(md).toMatch(/\| phase \| done \| time \| `objective` \| `residual` \| `rho` \| `layer_bytes` \| `layer_bytes_f32` \| `val_accuracy` \| `test_accuracy` \|/);
    expect(md).toContain("![the schedule's measures by pass](measures.svg)");
  }, 300_000);
});
