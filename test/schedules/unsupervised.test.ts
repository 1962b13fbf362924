import { describe, expect, it } from "vitest";
import { compileTraining } from "../../compiler/pipeline.js";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import { compileTrain } from "../train/helpers.js";
import { runCli } from "../cli/harness.js";
import { decoupledSource } from "./sources.js";

/**
 * Unsupervised modules (`loss = reconstruction(…)`): graph auto-encoders trained one at a time,
 * the last embedding clustered by k-means and scored against the labels (ACC, NMI, ARI).
 */

const gae = (schedule = "modules = [16, 8], k = [1, 2], act = linear, inner_act = leaky_relu, passes = 1, max_iter = 30, batch = 120, eta = 0.1, lam = 1e-6") =>
  decoupledSource({ loss: "reconstruction(mask_rate = 0.2)", schedule, select: "last", report: "[]" }).replace("adam(lr = 0.01)", "adam(lr = 0.005)");

describe("unsupervised decoupled modules", () => {
  it("lower to reconstruction steps and k-means, without heads", () => {
    const { spec, module } = compileTrain(gae(), "s.gnn");
    const r = compileTraining(module, spec, { target: "reference" });
    const m = r.training!.lowered;
    expect(m.funcs.map((f) => f.name).filter((n) => n.startsWith("m1.") || n.startsWith("kmeans")).sort()).toEqual(
      ["kmeans.nearest", "kmeans.seed", "kmeans.step", "m1.bt_rec_mse", "m1.embed", "m1.embed_old", "m1.ft_rec", "m1.ft_rec_mse"].sort(),
    );
    expect(m.params.some((p) => p.name.endsWith(".head"))).toBe(false);
    // The reconstruction step reads the batch's adjacency block and a fresh mask key each run.
    const plan = r.training!.schedule!.phases[0].steps.find((s) => s.kind === "run" && s.func === "m1.ft_rec");
    expect(plan).toMatchObject({ inputs: { "m1.rows": { from: "batch", rows: "all", size: 120 }, key: { from: "key" } } });
    expect(m.funcs.find((f) => f.name === "m1.ft_rec")!.body.some((n) => n.op === "g.adjacency_block")).toBe(true);
  });

  it("cluster the classes of a CSBM graph well above chance, reporting ACC, NMI and ARI after each FT pass", async () => {
    const { spec, module } = compileTrain(gae(), "s.gnn");
    const { result } = await runScheduledTraining(spec, module, { seed: 0 });
    const evaluated = result!.schedule.phases.filter((p) => p.metrics);
    const keys = ["ari", "clustering_acc", "nmi", "train_loss", "val_clustering_acc"];
    expect(evaluated.map((p) => Object.keys(p.metrics!).sort())).toEqual([keys, keys]);
    expect(result!.metrics.clustering_acc).toBeGreaterThan(0.6); // three classes: chance is about 1/3
    expect(result!.metrics.nmi).toBeGreaterThan(0.2);
    expect(result!.metrics.ari).toBeGreaterThan(0.2);
  }, 180_000);

  it("refuse a selection or reports that need labels, and reconstruction without the schedule", async () => {
    const src = decoupledSource({ loss: "reconstruction(mask_rate = 0.2)" });
    const r = await runCli(["check", "s.gnn"], { "s.gnn": src });
    expect(r.stderr).toContain("error[E556]: unsupervised modules are not selected by a labelled metric: the last FT pass is reported");
    expect(r.stderr).toContain("error[E556]: unsupervised modules have no classifier to report metrics of: clustering ACC, NMI and ARI are reported");
    const plain = `dataset d = synthetic.csbm(nodes = 50, classes = 2, features = 4, avg_degree = 3, homophily = 0.9, signal = 1, seed = 0)
model M(i: int, o: int) { lin = Linear(i, o)
  forward(x: f32[N, i], g: graph[N]) -> f32[N, o] { return lin(x) } }
train t { data = d
  model = M(d.num_features, d.num_classes)
  loss = reconstruction(mask_rate = 0.1)
  optimizer = adam(lr = 0.01)
  epochs = 2 }`;
    const p = await runCli(["check", "p.gnn"], { "p.gnn": plain });
    expect(p.stderr).toContain("error[E541]: `reconstruction` trains graph auto-encoder modules, one at a time: it needs `schedule = decoupled(…)`");
    const rate = await runCli(["check", "s.gnn"], { "s.gnn": gae().replace("mask_rate = 0.2", "mask_rate = 1") });
    expect(rate.stderr).toMatch(/error\[E406\]: `mask_rate` of `reconstruction` must be in \[0, 1\)/);
  });
});
