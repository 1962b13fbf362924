import { emitPatternMatmul, patternForm } from "../codegen/matmul-pattern.js";
import { emitCompactSparseMatmul, emitCompactSparseSddmm } from "../codegen/sparse-matmul.js";
import type { KernelSpec } from "../codegen/kernel.js";
import { emitDensify, emitKeptColumns, emitPatternDropout } from "../codegen/pattern-kernels.js";
import { KEPT_ROW_ARRAYS, type KeptArray, type PatternArray } from "../codegen/pattern.js";
import { dependenciesOf } from "../ir/reads.js";
import type { Node, TensorType, Type } from "../ir/types.js";
import type { BufferAssignment } from "./buffer-assignment.js";
import type { Step } from "./launch-plan.js";

/**
 * The launch plan's side of compactly stored mostly-zero inputs (codegen/pattern.ts): which
 * values are compact (such an input, and dropout of it), the pattern slots kernels bind, and the
 * kernels that read compact values — dropout and patterned matmuls over the nonzeros, a dense
 * copy for every other reader.
 *
 * Dropout of a compact input also writes its kept view (pattern.ts KEPT_ARRAYS): the nonzeros
 * its mask kept, packed by row, and by column before the first matmul that walks columns. The
 * matmuls then visit only those — half the nonzeros at p = 0.5 (Cora GCN on lavapipe, kernel
 * profiles: P·Wᵀ 0.56–1.21 → 0.33 ms, Dᵀ·P 0.64–0.87 → 0.45 ms, with each row and column
 * loop cut to half). Its slots: 4 bytes × (3 × nonzeros + N) for the rows, held until the last
 * product by rows has run, and × (2 × nonzeros + F) for the columns, held while the dropout's
 * values live (keptSlot).
 */

/** One launch of `kernel` for `n`, its output in slot `out`, a tensor operand's slot from `operand`. */
export type Launch = (n: Node, kernel: KernelSpec, out: number, operand: (id: number) => number) => Step;

export class CompactValues {
  /** Patterned inputs some kernel reads the pattern of, with a slot for each array a kernel reads. */
  readonly patterns: { input: string; arrays: Partial<Record<PatternArray, number>> }[] = [];
  /** Compact values: value id → the input whose pattern it has. */
  private readonly compact = new Map<number, string>();
  /** Of those, the inputs themselves (not dropout of them): their values are known on the host. */
  private readonly given = new Set<number>();
  /** Inputs whose values some kernel reads in column order, with that copy's slot. */
  readonly columnValues: { input: string; slot: number }[] = [];
  /** Dropout of a compact input (value id) → its kept view's slots made so far, and whether a launch packs its columns. */
  private readonly kept = new Map<number, { slots: Partial<Record<KeptArray, number>>; columns: boolean }>();
  /** Value id → the last node of the body that may read its kept view's rows (lastRowReaders). */
  private rowReaders: ReadonlyMap<number, number> = new Map();

  constructor(
    /** Patterned inputs by name, with their nonzero counts. */
    private readonly nonzeros: ReadonlyMap<string, number>,
    private readonly symbols: Readonly<Record<string, number>>,
    private readonly buffers: BufferAssignment,
    private readonly launch: Launch,
  ) {}

  /** The nonzero count of input `name` when it is stored compactly. */
  nonzerosOf(name: string): number | undefined {
    return this.nonzeros.get(name);
  }

  /** Record that value `id` is input `name`, if that input is compact. */
  input(id: number, name: string): void {
    if (!this.nonzeros.has(name)) return;
    this.compact.set(id, name);
    this.given.add(id);
  }

  /** The input whose pattern value `id` has, when it is stored compactly. */
  inputOf(id: number): string | undefined {
    return this.compact.get(id);
  }

  /** Dropout of a compact value: compact in, compact out (the zeros stay zero); undefined for other nodes. */
  dropout(n: Node): { out: number; steps: Step[] } | undefined {
    const input = this.compact.get(n.inputs[0]);
    if (n.op !== "nn.dropout" || input === undefined) return undefined;
    const out = this.buffers.take(this.nonzeros.get(input)! * 4, n.type, `nn_dropout_pattern %${n.id}`);
    this.compact.set(n.id, input);
    this.kept.set(n.id, { slots: {}, columns: false });
    const kernel = emitPatternDropout(n, this.buffers.typeOf(n.inputs[0]) as TensorType, { symbols: this.symbols });
    return { out, steps: [this.launch(n, kernel, out, (id) => this.buffers.slotsOf(id)[0])] };
  }

  /**
   * The launches of a matmul whose compact operand is P: P·Wᵀ, P·W or Pᵀ·D with P first, or Dᵀ·P
   * with P second; for the products over a weight's pattern, P·Wᵀ (sp.matmul) and Dᵀ·P at the
   * pattern (sp.sddmm); else undefined.
   */
  matmul(n: Node, types: readonly Type[], options: { symbols: Readonly<Record<string, number>> }): KernelSpec[] | undefined {
    const [a, b] = n.inputs.map((id) => this.compact.has(id));
    if (n.op === "sp.matmul" && a && !b && n.attrs.transB !== false) return emitCompactSparseMatmul(n, types, options);
    if (n.op === "sp.sddmm" && b && !a) return emitCompactSparseSddmm(n, types, options);
    if (n.op !== "t.matmul") return undefined;
    const { transA, transB } = n.attrs;
    const nonzeros = (k: number) => this.nonzeros.get(this.compact.get(n.inputs[k])!)!;
    const launches = (k: 0 | 1) => {
      const kept = this.kept.get(n.inputs[k]);
      // Compact values are inputs (given) or dropout of one (kept).
      const kernels = emitPatternMatmul(n, types, options, nonzeros(k), k, kept ? "kept" : "given");
      // P walked by column (Dᵀ·P, Pᵀ·D): the first such matmul packs the kept view's columns.
      const byColumn = !byRows(n, k);
      if (!kept || !byColumn || kept.columns) return kernels;
      kept.columns = true;
      return [emitKeptColumns(n, k, types[k] as TensorType, { symbols: this.symbols }), ...kernels];
    };
    if (a && !b && !(transA === true && transB === true)) return launches(0);
    if (b && !a && transA === true && transB !== true) return launches(1);
    return undefined;
  }

  /**
   * Dense copies of the compact operands of `n` (value id → slot), made by launches appended to
   * `steps` and held; the caller releases them once `n`'s launches are planned.
   */
  densified(n: Node, steps: Step[]): Map<number, number> {
    const dense = new Map<number, number>();
    n.inputs.forEach((id, k) => {
      if (!this.compact.has(id) || dense.has(id)) return;
      const type = this.buffers.typeOf(id) as TensorType;
      const slot = this.buffers.take(this.buffers.byteSizes(type)[0], type, `${this.compact.get(id)} dense for %${n.id}`);
      this.buffers.hold(slot);
      dense.set(id, slot);
      steps.push(this.densify(n, k, type, slot));
    });
    return dense;
  }

  /** The launch writing the dense form of `n`'s compact operand k into slot `to`. */
  densify(n: Node, k: number, type: Type, to: number): Step {
    return this.launch(n, emitDensify(n, k, type as TensorType, { symbols: this.symbols }), to, (v) => this.buffers.slotsOf(v)[0]);
  }

  /** The slot of input value `value`'s nonzero values in column order, made when a kernel first binds it. */
  columnValuesSlot(value: number): number {
    const input = this.compact.get(value)!;
    if (!this.given.has(value)) throw new Error(`launch plan: %${value} is computed, so its values in column order are not known on the host`);
    const known = this.columnValues.find((c) => c.input === input);
    if (known) return known.slot;
    const slot = this.buffers.slot(this.nonzeros.get(input)! * 4, `${input} (nonzeros by column)`);
    this.columnValues.push({ input, slot });
    return slot;
  }

  /**
   * The slot of one array of the zero pattern of compact value `value`, made when a kernel first
   * binds it: a function that only runs the model forward holds the row pattern, not the column
   * pattern its gradient would read.
   */
  patternSlot(value: number, array: PatternArray): number {
    const input = this.compact.get(value)!;
    let known = this.patterns.find((p) => p.input === input);
    if (!known) this.patterns.push((known = { input, arrays: {} }));
    const made = known.arrays[array];
    if (made !== undefined) return made;
    const nnz = this.nonzeros.get(input)!;
    const type = this.buffers.typeOf(value) as TensorType;
    const [n, f] = type.shape.map((d) => this.buffers.size(d));
    const lengths = { rowptr: n + 1, cols: nnz, colptr: f + 1, rows: nnz, perm: nnz, order: f, roworder: n };
    return (known.arrays[array] = this.buffers.slot(lengths[array] * 4, `${input} pattern.${array}`));
  }

  /** Before a body is lowered: who reads each value's kept rows last (lastRowReaders). */
  readRowsIn(body: readonly Node[]): void {
    this.rowReaders = lastRowReaders(body);
  }

  /**
   * The slot of one array of the kept view of value `value`, dropout of a compact input, made
   * when a kernel first binds it. The columns are held while the dropout's values live (a weight's
   * gradient reads them in the backward); the rows only until the last node that may read them
   * has run — the forward's products — so that they do not add to a training step's peak, which
   * comes in the backward (a million-node GCN: 84 of the view's 156 MiB).
   */
  keptSlot(value: number, array: KeptArray): number {
    const kept = this.kept.get(value);
    if (!kept) throw new Error(`launch plan: %${value} is not dropout of a compactly stored input, so it has no kept view`);
    const made = kept.slots[array];
    if (made !== undefined) return made;
    const nnz = this.nonzeros.get(this.compact.get(value)!)!;
    const type = this.buffers.typeOf(value) as TensorType;
    const [n, f] = type.shape.map((d) => this.buffers.size(d));
    const lengths: Record<KeptArray, number> = { rowend: n, cols: nnz, values: nnz, colend: f, rows: nnz, column_values: nnz };
    const slot = this.buffers.take(lengths[array] * 4, type, `%${value} kept.${array}`);
    const rowSide = KEPT_ROW_ARRAYS.includes(array);
    this.buffers.values.attach(rowSide ? (this.rowReaders.get(value) ?? value) : value, slot);
    return (kept.slots[array] = slot);
  }
}

/**
 * For each value read by a node of `body` as P of a product by rows (P·Wᵀ or P·W: a kept view's
 * row side), the last such node — or any node that reads the value from inside a region (a loop
 * body might read it any way). A node's result holds the rows till it dies, so after that node.
 */
export function lastRowReaders(body: readonly Node[]): Map<number, number> {
  const last = new Map<number, number>();
  for (const n of body) {
    if (n.op === "t.matmul" && byRows(n, 0)) last.set(n.inputs[0], n.id);
    for (const id of dependenciesOf(n)) if (!n.inputs.includes(id)) last.set(id, n.id);
  }
  return last;
}

/** Whether matmul `n` with P as operand `k` is a product by rows (P·Wᵀ, P·W), which reads a kept view's row side. */
function byRows(n: Node, k: 0 | 1): boolean {
  const form = patternForm(n, k);
  return form === "rows" || form === "rowsN";
}
