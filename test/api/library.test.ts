import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile, compileFile, formatDiagnostics, GnncError, predict, train } from "gnnc";
import { main } from "../../examples/api/train-cora.js";
import { gcnSource } from "../train/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-api-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the library (import … from \"gnnc\")", () => {
  it("compiles to diagnostics as data, rendered as the CLI renders them", () => {
    const r = compile(gcnSource().replace("GCNConv(in_channels, hidden)", "GCNConvv(in_channels, hidden)"), { file: "bad.gnn", readFile: () => undefined });
    expect(r.program).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toContain("E202");
    const text = formatDiagnostics(r.diagnostics, (p) => (p === "bad.gnn" ? gcnSource().replace("GCNConv(in_channels, hidden)", "GCNConvv(in_channels, hidden)") : undefined));
    expect(text).toMatch(/error\[E202\]: .*\n +--> bad\.gnn:\d+:\d+/);
    expect(text).toContain("did you mean `GCNConv`?");
  });

  it("trains on the reference device and predicts with the selected state, to the trainer's accuracy", async () => {
    const { program } = compile(gcnSource({ epochs: 12 }), { file: "small.gnn" });
    const run = await train(program!, { device: "reference", seed: 3 });
    expect(run.result.device).toBe("reference");
    expect(Object.keys(run.state)).toContain("conv1.lin.weight");
    const p = predict(program!, { params: run.state });
    const classes = p.output.shape[1];
    const correct = [...p.splits.val].filter((n) => {
      const row = p.output.data.subarray(n * classes, (n + 1) * classes);
      return row.indexOf(Math.max(...row)) === p.labels[n];
    }).length;
    expect(correct / p.splits.val.length).toBeCloseTo(run.result.metrics.val_accuracy, 10);
  });

  it("throws GnncError with the diagnostics when training refuses the program", async () => {
    const { program } = compile(gcnSource({ extra: "lr_schedule = step(gamma = 0.5)" }), { file: "s.gnn" });
    const failure = await train(program!, { device: "reference" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GnncError);
    expect((failure as GnncError).diagnostics.map((d) => d.code)).toEqual(["E548"]);
  });

  it("opens the GPU for device \"auto\" under GNNC_MAX_BINDING_BYTES, as the CLI does: a bad value is refused by name", async () => {
    const { program } = compile(gcnSource({ epochs: 2 }), { file: "small.gnn" });
    const saved = process.env.GNNC_MAX_BINDING_BYTES;
    process.env.GNNC_MAX_BINDING_BYTES = "lots";
    try {
      await expect(train(program!, { device: "auto" })).rejects.toThrow(/GNNC_MAX_BINDING_BYTES must be a positive integer \(bytes\), got "lots"/);
    } finally {
      if (saved === undefined) delete process.env.GNNC_MAX_BINDING_BYTES;
      else process.env.GNNC_MAX_BINDING_BYTES = saved;
    }
  });

  it("runs the example program (examples/api/train-cora.ts) on the quickstart: its checkpoint predicts the reported accuracy", async () => {
    expect(compileFile("examples/quickstart.gnn").program).toBeDefined();
    const lines: string[] = [];
    const summary = await main("examples/quickstart.gnn", join(dir, "quick.safetensors"), (l) => lines.push(l));
    expect(summary.predictedTestAccuracy).toBe(summary.testAccuracy);
    expect(summary.testAccuracy).toBeGreaterThan(0.8);
    expect(lines.at(-1)).toMatch(/^quickstart on (gpu|reference): selected epoch \d+, test accuracy 0\.\d{4}$/);
  }, 60_000);
});
