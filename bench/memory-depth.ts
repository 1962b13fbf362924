// Activation memory vs depth for residual (`repeat`) and reversible stacks: RevGNN blocks of 80
// channels on Cora (GNNC_DATA_DIR) or, without it, a synthetic graph of Cora's size. For each depth
// the memory plan predicts the peak bytes of one training step (activations alone and in total);
// up to --measure-up-to blocks the step is also run on the reference device and its measured peak
// reported (tests check that prediction and measurement agree exactly).
//
//   npm run build && node dist/bench/memory-depth.js [--depths 3,10,100,1001] [--measure-up-to 10] [--out bench/results]
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "../compiler/index.js";
import type { Func } from "../compiler/ir/types.js";
import { predictPeakBytes } from "../compiler/plan/peak.js";
import { TRAIN_STEP_FUNC } from "../compiler/train/index.js";
import { describeDataset } from "../runtime/data/index.js";
import { initParams, MemoryMeter, runFunc } from "../runtime/reference/index.js";
import { lineChartSvg } from "../runtime/report/index.js";
import { prepareTraining } from "../runtime/train/run.js";
import { stepInputs, unchangingInputs } from "../runtime/train/step-inputs.js";

const { values } = parseArgs({
  options: {
    depths: { type: "string", default: "3,10,100,1001" },
    "measure-up-to": { type: "string", default: "10" },
    out: { type: "string", default: "bench/results" },
  },
});
const depths = values.depths.split(",").map(Number);
const measureUpTo = Number(values["measure-up-to"]);
const dataDir = process.env.GNNC_DATA_DIR;
const cora = dataDir !== undefined && describeDataset("cora", [resolve(dataDir)]) !== undefined;
const DATA = cora
  ? `dataset d = load("cora", transforms = [normalize_features])`
  : `dataset d = synthetic.csbm(nodes = 2708, classes = 7, features = 1433, avg_degree = 4, homophily = 0.8, signal = 1.0, seed = 0)`;

function source(kind: "residual" | "reversible", blocks: number): string {
  const stack = kind === "reversible" ? `reversible(groups = 2) repeat(${blocks}) ResBlock(40)` : `repeat(${blocks}) ResBlock(80)`;
  const forward = kind === "reversible" ? "conv(relu(norm(h)) * m, g)" : "h + conv(relu(norm(h)) * m, g)";
  return `${DATA}
block ResBlock(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g, m) = ${forward}
}
model Net(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 80)
  stack = ${stack}
  lin_out = Linear(80, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = lin_in(x)
    return lin_out(relu(stack(h, g, dropout_mask(h, 0.1))))
  }
}
train t {
  data = d
  model = Net(d.num_features, d.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.003)
  epochs = 1
}`;
}

interface Row {
  stack: string;
  blocks: number;
  activation_bytes: number;
  step_bytes: number;
  measured_step_bytes?: number;
  measure_ms?: number;
}

function measureOne(kind: "residual" | "reversible", blocks: number): Row {
  const compiled = compile(source(kind, blocks), {
    file: `${kind}-${blocks}.gnn`,
    datasets: dataDir ? { describe: (name) => describeDataset(name, [resolve(dataDir)]) } : undefined,
  });
  if (!compiled.program) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
  const spec = compiled.program.trains[0];
  const prepared = prepareTraining(spec, compiled.program.modules[0], { data: { dataDir } });
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => d.message).join("\n"));
  const { lowered: module, data, symbols } = prepared;
  const step = module.funcs.find((f) => f.name === TRAIN_STEP_FUNC) as Func;
  const plan = predictPeakBytes(step, symbols);
  const row: Row = { stack: kind, blocks, activation_bytes: plan.activations, step_bytes: plan.total };
  if (blocks <= measureUpTo) {
    const inputs = { ...unchangingInputs(spec, data), ...stepInputs(spec, [0, 1], 0) };
    const meter = new MemoryMeter();
    const start = performance.now();
    runFunc(step, { inputs, params: initParams(module, 0, symbols), symbols }, { meter });
    row.measure_ms = performance.now() - start;
    row.measured_step_bytes = meter.peakBytes;
  }
  return row;
}

const mib = (b: number | undefined) => (b === undefined ? "—" : (b / 2 ** 20).toFixed(1));
const rows: Row[] = [];
for (const kind of ["residual", "reversible"] as const) {
  for (const blocks of depths) {
    const row = measureOne(kind, blocks);
    rows.push(row);
    console.error(`${kind} ${blocks}: activations ${mib(row.activation_bytes)} MiB, step ${mib(row.step_bytes)} MiB, measured ${mib(row.measured_step_bytes)} MiB`);
  }
}

const outDir = resolve(values.out);
mkdirSync(outDir, { recursive: true });
const graph = cora ? "Cora" : "a synthetic graph of Cora's size";
const table = [
  `Activation memory of one training step vs depth (RevGNN blocks, 80 channels, ${graph}; reference device)`,
  "",
  "| stack | blocks | activations, predicted (MiB) | whole step, predicted (MiB) | whole step, measured (MiB) |",
  "|---|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.stack} | ${r.blocks} | ${mib(r.activation_bytes)} | ${mib(r.step_bytes)} | ${mib(r.measured_step_bytes)} |`),
  "",
].join("\n");
const svg = lineChartSvg({
  title: `Peak activation memory of a training step (${cora ? "Cora" : "synthetic"}, 80 channels)`,
  xLabel: "blocks",
  yLabel: "MiB",
  logX: true,
  series: (["residual", "reversible"] as const).map((kind) => ({
    name: kind,
    points: rows.filter((r) => r.stack === kind).map((r) => ({ x: r.blocks, y: r.activation_bytes / 2 ** 20 })),
  })),
});
writeFileSync(join(outDir, "memory-depth.json"), JSON.stringify({ graph, rows }, null, 2) + "\n");
writeFileSync(join(outDir, "memory-depth.md"), table);
writeFileSync(join(outDir, "memory-depth.svg"), svg);
console.log(table);
