import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/harness.js";
import { useGpu } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-profile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const gpu = useGpu();

describe("gnnc profile", () => {
  it("times every launch of an epoch: as many as the compiled plan has, in less time than the epoch's wall clock", async (ctx) => {
    gpu(ctx);
    const json = join(dir, "profile.json");
    const r = await runCli(["profile", "examples/quickstart.gnn", "--epochs", "4", "--json", json], {}, {});
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^quickstart on .*: GPU time per epoch \(training step \+ evaluation\), epochs 3–6\n/);
    expect(r.stdout).toMatch(/\npredict_and_step +t_matmul_pattern_rows(\+\S+)? +examples\/quickstart\.gnn:\d+:\d+ +1 /);
    const profile = JSON.parse(readFileSync(json, "utf8"));
    expect(profile.epochs_timed).toBe(4);
    expect(profile.untimed).toBe(0);

    // The plan `gnnc compile` writes counts the launches: each timed epoch runs predict_and_step
    // (the step, with the evaluation of the epoch before), and the last epoch also predict.
    const out = join(dir, "compiled");
    expect((await runCli(["compile", "examples/quickstart.gnn", "--out", out, "--emit", "plan"], {}, {})).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as { functions: { name: string; launches: number }[] };
    const launches = (name: string) => plan.functions.find((f) => f.name === name)!.launches;
    expect(profile.launches_per_epoch).toBe(launches("predict_and_step") + launches("predict") / 4);
    const byFunction = (name: string) => profile.kernels.filter((k: { function: string }) => k.function === name).reduce((n: number, k: { launches_per_epoch: number }) => n + k.launches_per_epoch, 0);
    expect(byFunction("predict_and_step")).toBe(launches("predict_and_step"));
    expect(byFunction("predict")).toBe(launches("predict") / 4);
    expect(byFunction("train_step")).toBe(0); // the first epoch's, untimed

    // Timestamps in nanoseconds: every launch took some time, all of them less than the epoch did by the host's clock.
    for (const k of profile.kernels) expect(k.median_us).toBeGreaterThan(0);
    expect(profile.kernel_ms_per_epoch).toBeGreaterThan(0);
    // The kernels' figure sums each kernel's median over the timed epochs; the wall time is the
    // median epoch of the whole run: different statistics of noisy times (a run beside other
    // tests had 7.89 against 7.71 ms), so the bound is loose; a profile that counted a launch
    // twice, or every epoch's predict, would still exceed it.
    expect(profile.kernel_ms_per_epoch).toBeLessThan(1.5 * profile.epoch_ms_median);
  }, 120_000);

  it("refuses a scheduled block and a bad --epochs", async (ctx) => {
    gpu(ctx);
    const scheduled = `dataset syn = synthetic.csbm(nodes = 300, classes = 3, features = 16, avg_degree = 4, seed = 1)
train sgnn {
  data      = syn
  loss      = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  schedule  = decoupled(modules = [8, 4], k = [1, 1], act = [relu, linear], passes = 1, max_iter = 2)
  select    = best(val.accuracy)
  report    = [accuracy(val)]
}
`;
    const sgnn = await runCli(["profile", "s.gnn"], { "s.gnn": scheduled }, {});
    expect(sgnn.stderr).toContain("error: `sgnn` trains by a schedule (`decoupled`); gnnc profile times epoch training");
    expect(sgnn.code).toBe(1);
    const bad = await runCli(["profile", "examples/quickstart.gnn", "--epochs", "0"], {}, {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--epochs must be a positive integer");
  });
});
