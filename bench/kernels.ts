import { emitKernel, type KernelSpec } from "../compiler/codegen/index.js";
import { FuncBuilder } from "../compiler/ir/builder.js";
import type { Attrs, Type } from "../compiler/ir/types.js";
import type { GraphValue, TensorValue, Value } from "../compiler/ir/values.js";
import type { GpuDevice } from "../runtime/gpu/index.js";
import { bufferCopyProbe, ResidentKernel } from "./kernel-launch.js";
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

/** A tensor of `shape` filled from a cheap LCG seeded with `seed`. */
export function tensorOf(shape: number[], seed: number): TensorValue {
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
export function kernelFor(op: string, inputs: readonly Value[], attrs: Attrs = {}): KernelSpec {
  const b = new FuncBuilder(`bench_${op}`);
  const types = inputs.map(typeOf);
  const ids = types.map((t, i) => b.leaf("s.input", t, { name: `in${i}` }));
  const out = b.emit(op, ids, attrs);
  const func = b.finish([out], ["out"]);
  return emitKernel(func.body[func.body.length - 1], types);
}

/** A measurement: `time(r)` is ms per launch of r launches in one submission. */
interface Probe {
  time(repetitions: number): Promise<number>;
  destroy?(): void;
}

/**
 * Trials of every probe, interleaved (round t times each probe once), so that probes whose figures
 * are compared saw the same machine load. Repetitions per probe come from a second warm-up call
 * (the first also pays for lazy shader compilation). Returns ms per launch, [probe][trial].
 */
export async function interleavedTrials(probes: readonly Probe[], o: Pick<KernelBenchOptions, "trials" | "trialMs">): Promise<{ repetitions: number[]; ms: number[][] }> {
  const repetitions: number[] = [];
  for (const p of probes) {
    await p.time(1);
    const warm = await p.time(1);
    repetitions.push(Math.max(1, Math.min(1000, Math.ceil(o.trialMs / Math.max(warm, 1e-3)))));
  }
  const ms = probes.map((): number[] => []);
  for (let t = 0; t < o.trials; t++) {
    for (const [k, p] of probes.entries()) ms[k].push(await p.time(repetitions[k]));
  }
  return { repetitions, ms };
}

/** SpMM on `graph` (F = `width`), matmuls, and the copy roofs; SpMM's share of the copy kernel's GB/s. */
export async function benchKernels(gpu: GpuDevice, graph: { label: string; value: GraphValue }, width: number, o: KernelBenchOptions): Promise<KernelTiming[]> {
  const words = 8 * 2 ** 20; // 32 MiB each way: well past the CPU caches lavapipe runs on
  const mib = `${(words * 4) / 2 ** 20} MiB read + written`;
  const g = graph.value;
  const x = tensorOf([g.numNodes, width], 1);
  const src = tensorOf([words], 2);
  const matmuls = [
    [1024, 1024, 1024],
    [g.numNodes, 64, 64],
  ];
  const kernels: { kernel: KernelSpec; inputs: Value[]; words: number }[] = [
    { kernel: kernelFor("t.reshape", [src], { shape: [words] }), inputs: [src], words },
    { kernel: kernelFor("g.spmm", [g, x], { reduce: "sum" }), inputs: [g, x], words: g.numNodes * width },
    ...matmuls.map(([m, k, n], j) => {
      const ab = [tensorOf([m, k], 3 + j), tensorOf([k, n], 5 + j)];
      return { kernel: kernelFor("t.matmul", ab), inputs: ab, words: m * n };
    }),
  ];
  o.log(`kernels: copy of ${mib}, copyBufferToBuffer, g.spmm sum on ${graph.label} (N=${g.numNodes}, E=${g.numEdges}, F=${width}), ${matmuls.map(([m, k, n]) => `t.matmul ${m}×${k}·${k}×${n}`).join(", ")}; ${o.trials} interleaved trials`);
  const probes: Probe[] = [];
  try {
    for (const k of kernels) {
      const resident = await ResidentKernel.create(gpu, k.kernel, k.inputs, k.words);
      probes.push({ time: (r) => resident.time(r), destroy: () => resident.destroy() });
    }
    probes.splice(1, 0, bufferCopyProbe(gpu, words * 4));
    const { repetitions, ms } = await interleavedTrials(probes, o);
    const at = (k: number) => ({ ms: median(ms[k]), repetitions: repetitions[k], trials: o.trials });
    // GB/s of probe k in each trial over the copy kernel's in the same trial: the median ratio.
    const ofCopy = (k: number, bytes: number) => median(ms[k].map((t, trial) => perSecondGiga(bytes, t) / perSecondGiga(copyBytes(words), ms[0][trial])));
    const spmm = spmmBytes(g.numNodes, g.numEdges, width);
    const out: KernelTiming[] = [
      { kernel: "copy (t.reshape, vec4)", problem: mib, ...at(0), gbPerS: perSecondGiga(copyBytes(words), median(ms[0])), ofCopy: 1 },
      { kernel: "copyBufferToBuffer (driver)", problem: mib, ...at(1), gbPerS: perSecondGiga(copyBytes(words), median(ms[1])), ofCopy: ofCopy(1, copyBytes(words)) },
      {
        kernel: "g.spmm sum",
        problem: `${graph.label}, N=${g.numNodes}, E=${g.numEdges}, F=${width}`,
        ...at(2),
        gbPerS: perSecondGiga(spmm.gathered, median(ms[2])),
        compulsoryGbPerS: perSecondGiga(spmm.compulsory, median(ms[2])),
        ofCopy: ofCopy(2, spmm.gathered),
      },
      ...matmuls.map(([m, k, n], j): KernelTiming => ({ kernel: "t.matmul", problem: `[${m},${k}]·[${k},${n}]`, ...at(3 + j), gflopPerS: perSecondGiga(matmulFlops(m, k, n), median(ms[3 + j])) })),
    ];
    return out;
  } finally {
    for (const p of probes) p.destroy?.();
  }
}
