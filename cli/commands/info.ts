import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dataSearchPath, describeDataset, listDatasets } from "../../runtime/data/index.js";
import { defaultBackends, openDevice, webgpuPackageVersion, type AdapterSummary } from "../../runtime/gpu/index.js";
import { parseCommandArgs } from "../args.js";
import { EXIT_OK, UsageError, type Io } from "../io.js";

export const infoHelp = `gnnc info [--data-dir DIR] [--json]

Show what gnnc runs on: the WebGPU adapter (vendor, architecture, device, backend), the device
limits kernels depend on, its features, the versions of node, webgpu (Dawn) and gnnc, and the
datasets found in the data directories with their sizes. Works without a GPU (it says why
there is no adapter and how to get one).

  --data-dir DIR   also look for datasets in DIR (searched first; then $GNNC_DATA_DIR, ./data)
  --json           print the same as JSON`;

interface DatasetRow {
  name: string;
  nodes?: number;
  edges?: number;
  features?: number;
  classes?: number;
  bytes: number;
  /** Why the dataset's meta.json could not be read. */
  error?: string;
}

interface InfoReport {
  versions: { gnnc: string; node: string; webgpu: string | null };
  adapter: AdapterSummary | null;
  /** Why there is no adapter (with the install hint). */
  noAdapter?: string;
  datasets: { dir: string; datasets: DatasetRow[] }[];
}

/** gnnc's own version, from the package.json above this file (source and dist/ layouts alike). */
function gnncVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "gnnc" && pkg.version) return pkg.version;
  }
  return "unknown";
}

/** Bytes of the files directly inside a dataset's folder. */
function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => {
    const s = statSync(join(dir, f));
    return s.isFile() ? n + s.size : n;
  }, 0);
}

function datasetRows(dir: string): DatasetRow[] {
  return listDatasets(dir).map((name) => {
    const bytes = folderBytes(join(dir, name));
    try {
      const d = describeDataset(name, [dir]);
      return { name, nodes: d?.numNodes, edges: d?.numEdges, features: d?.numFeatures, classes: d?.numClasses, bytes };
    } catch (e) {
      return { name, bytes, error: e instanceof Error ? e.message : String(e) };
    }
  });
}

async function gather(io: Io, dataDir: string | undefined): Promise<InfoReport> {
  const report: InfoReport = {
    versions: { gnnc: gnncVersion(), node: process.version, webgpu: webgpuPackageVersion() ?? null },
    adapter: null,
    datasets: [],
  };
  try {
    const gpu = await openDevice({ backends: defaultBackends(io.env) });
    report.adapter = gpu.adapter;
    gpu.destroy();
  } catch (e) {
    report.noAdapter = e instanceof Error ? e.message : String(e);
  }
  for (const dir of dataSearchPath({ dataDir, env: io.env })) {
    if (existsSync(dir)) report.datasets.push({ dir, datasets: datasetRows(dir) });
  }
  return report;
}

const count = (n: number | undefined) => (n === undefined ? "?" : n.toLocaleString("en-US"));

function mib(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Comma-separated words in lines of at most `width` characters (one line "-" when empty). */
function wrap(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    const next = line === "" ? w : `${line}, ${w}`;
    if (next.length > width && line !== "") {
      lines.push(line + ",");
      line = w;
    } else line = next;
  }
  lines.push(line || "-");
  return lines;
}

/** Right-aligned columns after a left-aligned first one. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ").trimEnd());
}

function format(r: InfoReport): string {
  const lines = [`gnnc ${r.versions.gnnc}  ·  node ${r.versions.node}  ·  webgpu ${r.versions.webgpu ?? "not installed"}`, ""];
  const a = r.adapter;
  if (a) {
    lines.push(`GPU adapter (${a.backend}, ${a.featureLevel})`);
    const fields: [string, string][] = [
      ["vendor", a.vendor],
      ["architecture", a.architecture],
      ["device", a.device],
      ["description", a.description],
    ];
    for (const [k, v] of fields) lines.push(`  ${k.padEnd(13)}${v || "-"}`);
    lines.push("  limits");
    const width = Math.max(...Object.keys(a.limits).map((k) => k.length));
    for (const [k, v] of Object.entries(a.limits)) lines.push(`    ${k.padEnd(width)}  ${v.toLocaleString("en-US")}`);
    lines.push(...wrap(a.features, 72).map((l, k) => `  ${k === 0 ? "features" : ""}`.padEnd(15) + l));
  } else {
    lines.push(`GPU adapter: none`, `  no adapter: ${r.noAdapter}`);
  }
  lines.push("");
  if (r.datasets.length === 0) lines.push("Datasets: no data directory found (pass --data-dir DIR or set GNNC_DATA_DIR)");
  for (const { dir, datasets } of r.datasets) {
    lines.push(`Datasets in ${dir}`);
    if (datasets.length === 0) {
      lines.push("  (none)");
      continue;
    }
    const rows = [["name", "nodes", "edges", "features", "classes", "size"]];
    for (const d of datasets) rows.push([d.name, count(d.nodes), count(d.edges), count(d.features), count(d.classes), mib(d.bytes)]);
    lines.push(...table(rows).map((l) => `  ${l}`));
    for (const d of datasets) if (d.error) lines.push(`  ${d.name}: cannot read meta.json: ${d.error}`);
  }
  return lines.join("\n") + "\n";
}

export async function info(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("info", argv, { "data-dir": { type: "string" }, json: { type: "boolean" } });
  if (positionals.length > 0) throw new UsageError(`gnnc info: takes no FILE (got \`${positionals[0]}\`)`);
  const report = await gather(io, values["data-dir"] as string | undefined);
  io.out(values.json ? JSON.stringify(report, null, 2) + "\n" : format(report));
  return EXIT_OK;
}
