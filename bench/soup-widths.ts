/// <reference types="@webgpu/types" />
import type { KernelBinding, KernelSpec } from "../compiler/codegen/kernel.js";
import { emitPatternMatmul } from "../compiler/codegen/matmul-pattern.js";
import { columnOrderValues, csrPattern, PATTERN_ARRAYS } from "../compiler/codegen/pattern.js";
import type { Attrs, Node, Type } from "../compiler/ir/types.js";
import type { Dataset } from "../runtime/data/index.js";
import type { GpuDevice } from "../runtime/gpu/index.js";
import { ResidentKernel } from "./kernel-launch.js";
import { interleavedTrials, kernelFor, tensorOf } from "./kernels.js";
import { median } from "./stats.js";

/**
 * What training G models side by side saves, kernel by kernel: each product of the soup's batched
 * step (compiler/schedules/batch-models.ts) once, G·h wide, against one model's product, h wide,
 * launched G times — on a dataset's features and graph, isolated (operands resident, several
 * launches a submission, the two alternating). The features' products walk every nonzero here;
 * training walks dropout's kept view of them, half as many.
 *
 * A ratio near 1 is a kernel side by side does not speed up. On lavapipe every load a lane makes
 * from a storage buffer is a gather, and a patterned product costs per nonzero and per group of
 * outputs whatever the width: those products bound what side by side can save on sparse features.
 */
export interface WidthRow {
  /** The product, and the two kernels compared (wide / narrow). */
  kernel: string;
  problem: string;
  /** Median milliseconds of one wide launch and of one narrow launch. */
  wideMs: number;
  narrowMs: number;
  /** wideMs ÷ (G × narrowMs): below 1, side by side saves time on this kernel. */
  ratio: number;
}

const tensor = (shape: number[]): Type => ({ kind: "tensor", dtype: "f32", shape });
/** A patterned product's node (its kernels come from the launch plan, not from the op alone). */
const matmulNode = (shape: number[], attrs: Attrs): Node => ({ id: 2, op: "t.matmul", type: tensor(shape), inputs: [0, 1], attrs });

export interface WidthOptions {
  /** Models side by side, and each one's hidden width. */
  models: number;
  hidden: number;
  trials: number;
  trialMs: number;
}

/** The rows for `ds` (sparse features: the patterned products; always: the SpMM and the per-model products). */
export async function measureWidths(gpu: GpuDevice, ds: Dataset, o: WidthOptions): Promise<WidthRow[]> {
  const { models: G, hidden: h } = o;
  const N = ds.numNodes;
  const F = ds.numFeatures;
  const C = ds.numClasses;
  const E = ds.graph.numEdges;
  const owned: GPUBuffer[] = [];
  const upload = (data: ArrayBufferView, label: string) => {
    const b = gpu.upload(data, label);
    owned.push(b);
    return b;
  };
  const cases: { kernel: string; problem: string; make: () => Promise<[ResidentKernel, ResidentKernel]> }[] = [];

  if (ds.features.kind === "csr") {
    const form = csrPattern(N, F, ds.features.indptr, ds.features.indices, ds.features.data);
    if (!form) throw new Error(`${ds.name}: the features' column ids are not ascending in every row`);
    const { pattern, values: p } = form;
    const arrays = Object.fromEntries(PATTERN_ARRAYS.map((a) => [a, upload(pattern[a], `pattern ${a}`)]));
    const rowValues = upload(p, "values");
    const colValues = upload(columnOrderValues(p, pattern), "column values");
    // P is operand `at`: its values and pattern from the buffers above, the other operand random.
    const compact = (at: 0 | 1) => (b: KernelBinding) => {
      const s = b.source;
      if (s.kind === "pattern") return arrays[s.array];
      if (s.kind === "column_values") return colValues;
      if (s.kind === "input" && s.input === at) return rowValues;
      return undefined;
    };
    const patterned = async (kernel: KernelSpec, at: 0 | 1, other: number[], outWords: number) => {
      const inputs = at === 0 ? [tensorOf([1], 0), tensorOf(other, 1)] : [tensorOf(other, 1), tensorOf([1], 0)];
      return ResidentKernel.create(gpu, kernel, inputs, outWords, {}, compact(at));
    };
    const nnz = p.length;
    const problem = `${ds.name}: P [${N}, ${F}], ${nnz} nonzeros`;
    // The forward: P·W, W [F, width] (one model's P·Wᵀ reads W transposed into this layout first).
    const rowsN = (width: number) => emitPatternMatmul(matmulNode([N, width], {}), [tensor([N, F]), tensor([F, width])], {}, nnz, 0, "given").at(-1)!;
    cases.push({
      kernel: "P·W, the features' product (t_matmul_pattern_rows_n)",
      problem: `${problem}; W ${G * h} / ${h} wide`,
      make: async () => [await patterned(rowsN(G * h), 0, [F, G * h], N * G * h), await patterned(rowsN(h), 0, [F, h], N * h)],
    });
    // The weights' gradient: Pᵀ·D side by side ([F, G·h], as the batched weights are stored transposed), Dᵀ·P for one model ([h, F]).
    const colsT = emitPatternMatmul(matmulNode([F, G * h], { transA: true }), [tensor([N, F]), tensor([N, G * h])], {}, nnz, 0, "given").at(-1)!;
    const cols = emitPatternMatmul(matmulNode([h, F], { transA: true }), [tensor([N, h]), tensor([N, F])], {}, nnz, 1, "given").at(-1)!;
    cases.push({
      kernel: "Pᵀ·D / Dᵀ·P, the weights' gradient (t_matmul_pattern_cols_t / _cols)",
      problem: `${problem}; D ${G * h} / ${h} wide`,
      make: async () => [await patterned(colsT, 0, [N, G * h], F * G * h), await patterned(cols, 1, [N, h], h * F)],
    });
  }

  const spmmOf = (width: number) => {
    const operands = [ds.graph, tensorOf([E], 2), tensorOf([N, width], 3)];
    return ResidentKernel.create(gpu, kernelFor("g.spmm", operands, { reduce: "sum" }), operands, N * width);
  };
  cases.push({ kernel: "Â·H, edge-weighted SpMM (g_spmm_sum_w)", problem: `${ds.name}: ${E} edges; H ${G * h} / ${h} wide`, make: async () => [await spmmOf(G * h), await spmmOf(h)] });

  // The output layer's per-model products: forward, back to H, and the weights' gradient, each
  // for every model at once against one model's.
  const perModel = async (op: string, wideIn: number[][], wideOut: number[], narrowOp: string, narrowIn: number[][], narrowOut: number[], attrs: Attrs) => {
    const resident = async (name: string, shapes: number[][], out: number[], extra: Attrs) => {
      const operands = shapes.map((shape, k) => tensorOf(shape, 4 + k));
      return ResidentKernel.create(gpu, kernelFor(name, operands, { ...extra, ...attrs }), operands, out.reduce((a, b) => a * b, 1));
    };
    return [await resident(op, wideIn, wideOut, { groups: G }), await resident(narrowOp, narrowIn, narrowOut, {})] as [ResidentKernel, ResidentKernel];
  };
  const per = `${ds.name}: H [${N}, ${G}·${h}], W [${G}, ${C}, ${h}]`;
  cases.push({
    kernel: "H·Wᵀ per model (t_group_matmul_tb / t_matmul_nt)",
    problem: per,
    make: () => perModel("t.group_matmul", [[N, G * h], [G, C, h]], [N, G * C], "t.matmul", [[N, h], [C, h]], [N, C], { transB: true }),
  });
  cases.push({
    kernel: "D·W per model, back to H (t_group_matmul / t_matmul_nn)",
    problem: per,
    make: () => perModel("t.group_matmul", [[N, G * C], [G, C, h]], [N, G * h], "t.matmul", [[N, C], [C, h]], [N, h], {}),
  });
  cases.push({
    kernel: "Dᵀ·H per model, the weights' gradient (t_group_matmul_tn / t_matmul_tn)",
    problem: per,
    make: () => perModel("t.group_matmul_tn", [[N, G * C], [N, G * h]], [G, C, h], "t.matmul", [[N, C], [N, h]], [C, h], { transA: true }),
  });

  const rows: WidthRow[] = [];
  try {
    for (const c of cases) {
      const [wide, narrow] = await c.make();
      try {
        const { ms } = await interleavedTrials([wide, narrow], o);
        const [wideMs, narrowMs] = ms.map(median);
        rows.push({ kernel: c.kernel, problem: c.problem, wideMs, narrowMs, ratio: wideMs / (G * narrowMs) });
      } finally {
        wide.destroy();
        narrow.destroy();
      }
    }
  } finally {
    for (const b of owned) b.destroy();
  }
  return rows;
}
