// Activation memory vs depth for residual (`repeat`) and reversible stacks: RevGNN blocks of 80
// channels on Cora (GNNC_DATA_DIR) or, without it, a synthetic graph of Cora's size. For each depth
// the memory plan predicts the peak bytes of one training step (activations alone and in total);
// up to --measure-up-to blocks the step is also run on the reference device and its measured peak
// reported (tests check that prediction and measurement agree exactly). Up to --gpu-up-to blocks
// the run is also loaded on the GPU as training loads it, one step is run, and the bytes allocated
// are reported next to the launch plans' prediction (gpu-memory.ts); without an adapter that column
// is left out.
//
//   npm run build && node dist/bench/memory-depth.js [--depths 3,10,100,1001] [--measure-up-to 100] [--gpu-up-to 1001] [--out bench/results]
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compile } from "../compiler/index.js";
import type { Func, Module } from "../compiler/ir/types.js";
import { predictPeakBytes } from "../compiler/plan/peak.js";
import { TRAIN_STEP_FUNC } from "../compiler/train/index.js";
import type { CompiledProgram } from "../compiler/train/program.js";
import { describeDataset } from "../runtime/data/index.js";
import { NoAdapterError, openDevice, type AdapterSummary } from "../runtime/gpu/index.js";
import { initParams, MemoryMeter, runFunc } from "../runtime/reference/index.js";
import { lineChartSvg } from "../runtime/report/index.js";
import { prepareTraining, type PreparedTraining } from "../runtime/train/run.js";
import { stepInputs, unchangingInputs } from "../runtime/train/step-inputs.js";
import { measureGpuStep, type GpuStepMemory } from "./gpu-memory.js";
import { benchArgs } from "./args.js";

const values = benchArgs(import.meta.url, {
  depths: { type: "string", default: "3,10,100,1001" },
  "measure-up-to": { type: "string", default: "100" },
  "gpu-up-to": { type: "string", default: "1001" },
  out: { type: "string", default: "bench/results" },
});
const depths = values.depths.split(",").map(Number);
const measureUpTo = Number(values["measure-up-to"]);
const gpuUpTo = Number(values["gpu-up-to"]);
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

type Kind = "residual" | "reversible";

interface Row {
  stack: Kind;
  blocks: number;
  /** The memory plan's prediction for the reference device (compiler/plan). */
  activation_bytes: number;
  step_bytes: number;
  /** The reference interpreter's measured peak (MemoryMeter), up to --measure-up-to blocks. */
  measured_step_bytes?: number;
  measure_ms?: number;
  /** Bytes allocated on the GPU, up to --gpu-up-to blocks (gpu-memory.ts). */
  gpu?: GpuStepMemory;
  /** Why the run could not be loaded or stepped on the GPU. */
  gpu_error?: string;
}

function compileRun(kind: Kind, blocks: number): CompiledProgram {
  const compiled = compile(source(kind, blocks), {
    file: `${kind}-${blocks}.gnn`,
    datasets: dataDir ? { describe: (name) => describeDataset(name, [resolve(dataDir)]) } : undefined,
  });
  if (!compiled.program) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
  return compiled.program;
}

/** The run lowered and bound as training prepares it for the reference device or the GPU. */
function prepare(program: CompiledProgram, forGpu: boolean): PreparedTraining {
  const prepared = prepareTraining(program.trains[0], program.modules[0], { data: { dataDir }, target: forGpu ? "gpu" : "reference" });
  if ("diagnostics" in prepared) throw new Error(prepared.diagnostics.map((d) => d.message).join("\n"));
  return prepared;
}

const funcNamed = (module: Module, name: string) => module.funcs.find((f) => f.name === name) as Func;

function referenceColumns(program: CompiledProgram, blocks: number): Omit<Row, "stack" | "blocks"> {
  const spec = program.trains[0];
  const { lowered: module, data, symbols } = prepare(program, false);
  const step = funcNamed(module, TRAIN_STEP_FUNC);
  const plan = predictPeakBytes(step, symbols);
  const columns: Omit<Row, "stack" | "blocks"> = { activation_bytes: plan.activations, step_bytes: plan.total };
  if (blocks <= measureUpTo) {
    const inputs = { ...unchangingInputs(spec, data), ...stepInputs(spec, [0, 1], 0) };
    const meter = new MemoryMeter();
    const start = performance.now();
    runFunc(step, { inputs, params: initParams(module, 0, symbols), symbols }, { meter });
    columns.measure_ms = performance.now() - start;
    columns.measured_step_bytes = meter.peakBytes;
  }
  return columns;
}

/** One step on a device of its own (a failed load leaves nothing behind for the next row). */
async function gpuColumns(program: CompiledProgram): Promise<Pick<Row, "gpu" | "gpu_error">> {
  const spec = program.trains[0];
  const prepared = prepare(program, true);
  const funcs = { step: funcNamed(prepared.lowered, TRAIN_STEP_FUNC), predict: funcNamed(prepared.lowered, "predict") };
  const params = initParams(prepared.lowered, 0, prepared.symbols);
  const gpu = await openDevice();
  try {
    return { gpu: await measureGpuStep(gpu, funcs, unchangingInputs(spec, prepared.data), params, prepared.symbols, stepInputs(spec, [0, 1], 0)) };
  } catch (e) {
    if (e instanceof NoAdapterError) throw e;
    return { gpu_error: e instanceof Error ? e.message : String(e) };
  } finally {
    gpu.destroy();
  }
}

/** The adapter the GPU column runs on, or undefined (with a note) when there is none. */
async function findGpu(): Promise<AdapterSummary | undefined> {
  if (gpuUpTo <= 0) return undefined;
  try {
    const gpu = await openDevice();
    gpu.destroy();
    return gpu.adapter;
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    console.error(`note: no GPU adapter, so the GPU column is left out (${e.message})`);
    return undefined;
  }
}

const mib = (b: number | undefined) => (b === undefined ? "—" : (b / 2 ** 20).toFixed(1));

/** A table cell for a GPU failure: the limit a buffer exceeded when Dawn says so, else where to look. */
function gpuFailure(message: string): string {
  const binding = /Binding size \((\d+)\).*maximum storage buffer binding size \((\d+)\)/.exec(message);
  return binding ? `over limit: a ${mib(Number(binding[1]))} MiB buffer, ${mib(Number(binding[2]))} MiB max binding` : "failed (see the JSON)";
}

const adapter = await findGpu();
const rows: Row[] = [];
for (const kind of ["residual", "reversible"] as const) {
  for (const blocks of depths) {
    const program = compileRun(kind, blocks);
    const row: Row = { stack: kind, blocks, ...referenceColumns(program, blocks) };
    if (adapter && blocks <= gpuUpTo) Object.assign(row, await gpuColumns(program));
    rows.push(row);
    const gpu = row.gpu ? `GPU allocated ${mib(row.gpu.allocated)} MiB (predicted ${mib(row.gpu.predicted)}, activations ${mib(row.gpu.activations)}; step ${row.gpu.stepMs.toFixed(0)} ms)` : (row.gpu_error ?? "GPU not run");
    console.error(`${kind} ${blocks}: activations ${mib(row.activation_bytes)} MiB, step ${mib(row.step_bytes)} MiB, measured ${mib(row.measured_step_bytes)} MiB; ${gpu}`);
  }
}

const outDir = resolve(values.out);
mkdirSync(outDir, { recursive: true });
const graph = cora ? "Cora" : "a synthetic graph of Cora's size";
const gpuName = adapter ? `${adapter.description || adapter.device} (${adapter.backend})` : undefined;
const gpuCells = (r: Row) =>
  !adapter ? [] : r.gpu ? [mib(r.gpu.predicted), mib(r.gpu.allocated), mib(r.gpu.activations)] : r.gpu_error ? [gpuFailure(r.gpu_error), "—", "—"] : ["—", "—", "—"];
const table = [
  `Memory of one training step vs depth (RevGNN blocks, 80 channels, ${graph}). Reference device: the memory plan's peak and the interpreter's measured peak (values freed after last use; parameters, optimizer states and data not counted).` +
    (gpuName
      ? ` GPU (${gpuName}): every buffer allocated when the run is loaded as training loads it, after one step — data, parameters and optimizer states included, and the evaluation program; GPU activations are the step program's buffers for values sized by the graph (activations, the stacks kept for the backward, their gradients; not the data), split by matching the buffers to the step's launch plan.`
      : " No GPU adapter: GPU columns left out."),
  "",
  `| stack | blocks | activations, planned (MiB) | step, planned (MiB) | step, measured on reference (MiB) |${adapter ? " GPU allocated, predicted (MiB) | GPU allocated, measured (MiB) | GPU activations, measured (MiB) |" : ""}`,
  `|---|---:|---:|---:|---:|${adapter ? "---:|---:|---:|" : ""}`,
  ...rows.map((r) => `| ${[r.stack, r.blocks, mib(r.activation_bytes), mib(r.step_bytes), mib(r.measured_step_bytes), ...gpuCells(r)].join(" | ")} |`),
  "",
].join("\n");
const gpuActivations = (kind: Kind) => rows.filter((r) => r.stack === kind && r.gpu?.activations !== undefined).map((r) => ({ x: r.blocks, y: r.gpu!.activations! / 2 ** 20 }));
const referenceStep = (kind: Kind) => rows.filter((r) => r.stack === kind && r.measured_step_bytes !== undefined).map((r) => ({ x: r.blocks, y: r.measured_step_bytes! / 2 ** 20 }));
const svg = lineChartSvg({
  title: `Measured step memory (${cora ? "Cora" : "synthetic"}): ${adapter ? "GPU activations solid, " : ""}reference whole step dashed`,
  xLabel: "blocks",
  yLabel: "MiB",
  logX: true,
  logY: true,
  series: [
    ...(adapter ? (["residual", "reversible"] as const).map((kind) => ({ name: `${kind} · GPU`, points: gpuActivations(kind) })) : []),
    ...(["residual", "reversible"] as const).map((kind) => ({ name: `${kind} · reference`, points: referenceStep(kind), dashed: true })),
  ],
});
writeFileSync(join(outDir, "memory-depth.json"), JSON.stringify({ graph, gpu: gpuName ?? null, rows }, null, 2) + "\n");
writeFileSync(join(outDir, "memory-depth.md"), table);
writeFileSync(join(outDir, "memory-depth.svg"), svg);
console.log(table);
