import { emitKernel, type KernelSpec } from "../compiler/codegen/index.js";
import { FuncBuilder } from "../compiler/ir/builder.js";
import type { Attrs, Type } from "../compiler/ir/types.js";
import type { GraphValue, TensorValue, Value } from "../compiler/ir/values.js";
import type { GpuDevice } from "../runtime/gpu/index.js";
import { ResidentKernel } from "./kernel-launch.js";
import { copyBytes, matmulFlops, perSecondGiga, spmmBytes } from "./kernel-math.js";
import { median } from "./stats.js";

/**
 * Kernel throughput on the device: SpMM (g.spmm sum, unweighted) in GB/s, dense matmul in GFLOP/s,
 * and a vec4 copy kernel (t.reshape) whose bandwidth is the practical roof for memory-bound kernels
 * on the same device. The kernels are the ones training uses, emitted by compiler/codegen.
 */

export interface KernelTiming {
  kernel: string;
  /** What was measured, e.g. `Amazon Computers, N=13752, E=491722, F=64`. */
  problem: string;
  /** Median milliseconds per launch over the trials. */
  ms: number;
  trials: number;
  repetitions: number;
  /** GB/s for memory-bound kernels (bytes as defined by `bytesNote`), GFLOP/s for matmul. */
  gbPerS?: number;
  /** GB/s when x is counted once (SpMM only): what must cross memory at least once. */
  compulsoryGbPerS?: number;
  gflopPerS?: number;
  /** Share of the copy kernel's GB/s (memory-bound kernels). */
  ofCopy?: number;
}

export interface KernelBenchOptions {
  trials: number;
  /** Aim for trials of about this many milliseconds (repetitions chosen from a warm-up launch). */
  trialMs: number;
  log(line: string): void;
}

function tensorOf(shape: number[], seed: number): TensorValue {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  // A cheap LCG: the values only need to be finite and not all equal.
  let s = seed >>> 0;
  for (let k = 0; k < n; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[k] = s / 2 ** 32 - 0.5;
  }
  return { kind: "tensor", dtype: "f32", shape, data };
}

function typeOf(v: Value): Type {
  if (v.kind === "tensor") return { kind: "tensor", dtype: v.dtype, shape: v.shape };
  if (v.kind === "graph") return { kind: "graph", nodes: v.numNodes, edges: v.numEdges, selfLoops: v.selfLoops };
  return { kind: "rng" };
}

/** The kernel of one op applied to operands of these values' (concrete) types. */
function kernelFor(op: string, inputs: readonly Value[], attrs: Attrs = {}): KernelSpec {
  const b = new FuncBuilder(`bench_${op}`);
  const types = inputs.map(typeOf);
  const ids = types.map((t, i) => b.leaf("s.input", t, { name: `in${i}` }));
  const out = b.emit(op, ids, attrs);
  const func = b.finish([out], ["out"]);
  return emitKernel(func.body[func.body.length - 1], types);
}

async function timeKernel(gpu: GpuDevice, kernel: KernelSpec, inputs: readonly Value[], outputWords: number, o: KernelBenchOptions) {
  const resident = await ResidentKernel.create(gpu, kernel, inputs, outputWords);
  try {
    const warm = await resident.time(1); // compiles lazily-created state and estimates one launch
    const repetitions = Math.max(1, Math.min(1000, Math.ceil(o.trialMs / Math.max(warm, 1e-3))));
    const times: number[] = [];
    for (let t = 0; t < o.trials; t++) times.push(await resident.time(repetitions));
    return { ms: median(times), repetitions, trials: o.trials };
  } finally {
    resident.destroy();
  }
}

/** SpMM on `graph` (F = `width`), matmuls, and the copy roof; GB/s of SpMM relative to the copy's. */
export async function benchKernels(gpu: GpuDevice, graph: { label: string; value: GraphValue }, width: number, o: KernelBenchOptions): Promise<KernelTiming[]> {
  const out: KernelTiming[] = [];

  const words = 8 * 2 ** 20; // 32 MiB each way: well past the CPU caches lavapipe runs on
  const src = tensorOf([words], 1);
  o.log(`kernels: copy of ${words * 4 / 2 ** 20} MiB`);
  const copy = await timeKernel(gpu, kernelFor("t.reshape", [src], { shape: [words] }), [src], words, o);
  const copyGb = perSecondGiga(copyBytes(words), copy.ms);
  out.push({ kernel: "copy (t.reshape, vec4)", problem: `${words * 4 / 2 ** 20} MiB read + written`, ...copy, gbPerS: copyGb, ofCopy: 1 });

  const g = graph.value;
  const x = tensorOf([g.numNodes, width], 2);
  o.log(`kernels: g.spmm sum on ${graph.label} (N=${g.numNodes}, E=${g.numEdges}, F=${width})`);
  const spmm = await timeKernel(gpu, kernelFor("g.spmm", [g, x], { reduce: "sum" }), [g, x], g.numNodes * width, o);
  const bytes = spmmBytes(g.numNodes, g.numEdges, width);
  const spmmGb = perSecondGiga(bytes.gathered, spmm.ms);
  out.push({
    kernel: "g.spmm sum",
    problem: `${graph.label}, N=${g.numNodes}, E=${g.numEdges}, F=${width}`,
    ...spmm,
    gbPerS: spmmGb,
    compulsoryGbPerS: perSecondGiga(bytes.compulsory, spmm.ms),
    ofCopy: spmmGb / copyGb,
  });

  for (const [m, k, n] of [
    [1024, 1024, 1024],
    [g.numNodes, 64, 64],
  ]) {
    const a = tensorOf([m, k], 3);
    const b = tensorOf([k, n], 4);
    o.log(`kernels: t.matmul ${m}×${k} · ${k}×${n}`);
    const mm = await timeKernel(gpu, kernelFor("t.matmul", [a, b]), [a, b], m * n, o);
    out.push({ kernel: "t.matmul", problem: `[${m},${k}]·[${k},${n}]`, ...mm, gflopPerS: perSecondGiga(matmulFlops(m, k, n), mm.ms) });
  }
  return out;
}
