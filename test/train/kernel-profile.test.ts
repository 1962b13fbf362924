import { describe, expect, it } from "vitest";
import type { KernelSpec } from "../../compiler/codegen/index.js";
import type { TimedLaunch } from "../../runtime/gpu/index.js";
import { kernelProfile } from "../../runtime/train/kernel-profile.js";

const span = (line: number) => ({ file: "m.gnn", start: { offset: 0, line, column: 3 }, end: { offset: 5, line, column: 8 } });
const kernel = (name: string, line?: number) => ({ name, spans: line === undefined ? [] : [span(line)] }) as unknown as KernelSpec;

describe("kernel profiles (runtime/train/kernel-profile.ts)", () => {
  it("groups launches by function, kernel and .gnn line over the epochs from `from`, by medians, the costliest first", () => {
    const mm = kernel("t_matmul", 4);
    const spmm = kernel("g_spmm", 5);
    const adam = kernel("opt_adam_m");
    const launches: TimedLaunch[] = [];
    const add = (scope: string, k: KernelSpec, tag: number, us: number) => launches.push({ scope, kernel: k, tag, ns: us * 1000 });
    add("train_step", mm, 0, 90_000); // the first epoch (compiling): left out
    for (const [tag, us] of [[1, 300], [2, 100], [3, 200]] as const) {
      add("train_step", mm, tag, us);
      add("train_step", spmm, tag, 50);
      // One kernel over parameters of different sizes: the epoch's sum counts, not launches × median.
      add("train_step", adam, tag, 10);
      add("train_step", adam, tag, 10);
      add("train_step", adam, tag, 110);
      add("predict", mm, tag, 120);
    }
    const p = kernelProfile(launches, 1);
    expect(p.epochs).toBe(3);
    expect(p.launches_per_epoch).toBe(6);
    expect(p.rows.map((r) => [r.function, r.kernel, r.source, r.launches_per_epoch, r.median_us, r.ms_per_epoch])).toEqual([
      ["train_step", "t_matmul", "m.gnn:4:3", 1, 200, 0.2],
      ["train_step", "opt_adam_m", "", 3, 10, 0.13],
      ["predict", "t_matmul", "m.gnn:4:3", 1, 120, 0.12],
      ["train_step", "g_spmm", "m.gnn:5:3", 1, 50, 0.05],
    ]);
    expect(p.kernel_ms_per_epoch).toBeCloseTo(0.5, 12);
    expect(p.rows.reduce((n, r) => n + r.share, 0)).toBeCloseTo(1, 12);
    expect(p.rows[0].share).toBeCloseTo(0.2 / 0.5, 12);
  });

  it("is empty, not NaN, when no epoch was timed", () => {
    const p = kernelProfile([], 1);
    expect(p).toEqual({ epochs: 0, rows: [], kernel_ms_per_epoch: 0, launches_per_epoch: 0 });
  });
});
