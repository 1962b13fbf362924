import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTraining } from "../../runtime/train/run.js";
import { compileFile, type GpuDevice } from "gnnc";
import { useGpu } from "../gpu/helpers.js";
import { strictChecker } from "../support/strict-typecheck.js";
import { runCli } from "../cli/harness.js";
import { HAVE_SHARED_DATA, SHARED_DATA_DIR } from "../runtime/data/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-emit-ts-"));
const gpu = useGpu();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const strictErrors = strictChecker();

/** A small program a user would write against the emitted module: train, then predict with the typed parameters. */
const SCRIPT = (module: string) => `import type { GpuDevice } from "gnnc";
import { predict, train, type Params } from "./${module}.js";
export async function run(seed: number, device?: GpuDevice): Promise<{ test: number; predicted: number; weight: number[] }> {
  const { result, params } = await train({ seed, device });
  const w: Params["conv1.lin.weight"] = params["conv1.lin.weight"];
  const [rows, cols]: [number, number] = [w.shape[0], w.shape[1]];
  const p = predict(params);
  const classes = p.output.shape[1];
  let correct = 0;
  for (const n of p.splits.test) {
    const row = Array.from(p.output.data.subarray(n * classes, (n + 1) * classes));
    if (row.indexOf(Math.max(...row)) === p.labels[n]) correct++;
  }
  return { test: result.metrics.test_accuracy, predicted: correct / p.splits.test.length, weight: [rows, cols] };
}
`;

async function emit(file: string, name: string, env: Record<string, string> = { GNNC_DEVICE: "reference" }): Promise<string> {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "package.json"), '{ "type": "module" }\n'); // an ES module project, as a user's would be
  const r = await runCli(["compile", file, "--out", out, "--emit", "ts"], {}, env);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return out;
}

describe("gnnc compile --emit ts", () => {
  it("writes a module that type-checks under --strict, with the block's names and shapes as types, beside a user's script", async () => {
    const out = await emit("examples/quickstart.gnn", "quick");
    writeFileSync(join(out, "script.ts"), SCRIPT("quickstart"));
    writeFileSync(join(out, "misuse.ts"), `import { predict, type Params } from "./quickstart.js";\nconst p = {} as Params;\nconst wrong: Params["conv1.lin.weight"]["shape"] = [32, 999];\npredict({ ...p, "conv9.bias": p["conv1.bias"] });\nexport { wrong };\n`);
    expect(strictErrors([join(out, "quickstart.ts"), join(out, "script.ts")])).toEqual([]);
    // The types are not decoration: a wrong shape and an unknown parameter are type errors.
    const misuse = strictErrors([join(out, "quickstart.ts"), join(out, "misuse.ts")]);
    expect(misuse.join("\n")).toMatch(/misuse\.ts:3: Type '999' is not assignable to type '128'/);
    expect(misuse.join("\n")).toMatch(/misuse\.ts:4: .*'"conv9\.bias"' does not exist in type 'Params'/);
  });

  it.skipIf(!HAVE_SHARED_DATA)("for examples/cora-gcn.gnn trains from a small script to gnnc train's accuracy", async (ctx) => {
    const env = { GNNC_DEVICE: "reference", GNNC_DATA_DIR: SHARED_DATA_DIR };
    const out = await emit("examples/cora-gcn.gnn", "cora", env);
    writeFileSync(join(out, "script.ts"), SCRIPT("cora_gcn"));
    expect(strictErrors([join(out, "cora_gcn.ts"), join(out, "script.ts")])).toEqual([]);
    process.env.GNNC_DATA_DIR = SHARED_DATA_DIR;
    const script = (await import(join(out, "script.ts"))) as { run(seed: number, device?: GpuDevice): Promise<{ test: number; predicted: number; weight: number[] }> };
    const mine = await script.run(0, gpu(ctx));
    const { program } = compileFile("examples/cora-gcn.gnn", { dataDir: SHARED_DATA_DIR });
    const reference = await runTraining(program!.trains[0], program!.modules[0], { seed: 0, gpu: gpu(ctx), data: { dataDir: [SHARED_DATA_DIR] } });
    expect(mine.weight).toEqual([16, 1433]);
    expect(mine.predicted).toBe(mine.test);
    expect(mine.test).toBe(reference.result!.metrics.test_accuracy);
  }, 120_000);
});
