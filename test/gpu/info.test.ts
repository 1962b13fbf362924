import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Io } from "../../cli/io.js";
import { run } from "../../cli/run.js";
import { csbm, saveBinaryDataset } from "../../runtime/data/index.js";
import { REQUIRE_GPU } from "./helpers.js";

// `gnnc info` in-process: adapter, limits, features, versions and the datasets of a data dir.
// It opens (and closes) its own device; without one it must still succeed and say why.

const dir = mkdtempSync(join(tmpdir(), "gnnc-info-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
saveBinaryDataset(
  join(dir, "tiny"),
  csbm({ nodes: 50, classes: 3, features: 20, avg_degree: 4, homophily: 0.8, signal: 1, seed: 1, name: "tiny" }),
);

async function info(argv: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const io: Io = { out: (t) => void (stdout += t), err: (t) => void (stderr += t), readFile: () => undefined, env, color: false };
  const code = await run(io, ["info", ...argv]);
  return { code, stdout, stderr };
}

describe("gnnc info", () => {
  it("shows versions, the adapter (or why there is none) and the datasets with their sizes", async () => {
    const r = await info(["--data-dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gnnc \d+\.\d+\.\d+ {2}· {2}node v\d+\.\d+\.\d+ {2}· {2}webgpu \d+\.\d+\.\d+\n/);
    if (r.stdout.includes("GPU adapter: none")) {
      expect(REQUIRE_GPU).toBe(false);
      expect(r.stdout).toMatch(/no adapter: .*npm run setup.*--device reference/);
    } else {
      expect(r.stdout).toMatch(/^GPU adapter \((vulkan|metal|d3d12|opengles), (core|compatibility)\)$/m);
      expect(r.stdout).toMatch(/^ {4}maxStorageBuffersPerShaderStage +\d+$/m);
      expect(r.stdout).toMatch(/^ {4}maxStorageBufferBindingSize +[\d,]+$/m);
      expect(r.stdout).toMatch(/^ {2}features {5}\S/m);
    }
    expect(r.stdout).toContain(`Datasets in ${dir}\n`);
    expect(r.stdout).toMatch(/^ {2}name +nodes +edges +features +classes +size$/m);
    expect(r.stdout).toMatch(/^ {2}tiny +50 +[\d,]+ +20 +3 +[\d.]+ KiB$/m);
  });

  it("prints the same as JSON", async () => {
    const r = await info(["--data-dir", dir, "--json"]);
    const report = JSON.parse(r.stdout);
    expect(report.versions.node).toBe(process.version);
    expect(report.datasets[0]).toMatchObject({ dir, datasets: [{ name: "tiny", nodes: 50, features: 20, classes: 3 }] });
    expect(report.adapter === null ? report.noAdapter : report.adapter.limits.maxStorageBuffersPerShaderStage).toBeTruthy();
  });

  it("says no adapter, with the way to get one, when no backend offers one", async () => {
    const lacking = process.platform === "darwin" ? "vulkan" : "metal"; // a backend this platform has not
    const r = await info([], { GNNC_GPU_BACKEND: lacking });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GPU adapter: none\n {2}no adapter: no WebGPU adapter found \(\w+: no adapter\): .*npm run setup.*--device reference/);
  });

  it("rejects a FILE argument as a usage error", async () => {
    const r = await info(["model.gnn"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gnnc info: takes no FILE/);
  });
});
