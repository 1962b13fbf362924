import type { Node, TensorType, Type } from "../ir/types.js";
import type { KernelSpec } from "./kernel.js";
import { emitPatternMatmul } from "./matmul-pattern.js";
import { emitDensify, emitPatternDropout } from "./pattern-kernels.js";
import { PATTERN_ARRAYS } from "./pattern.js";
import type { Step } from "./schedule.js";

/**
 * The scheduler's side of compactly stored mostly-zero inputs (pattern.ts): which values are
 * compact (such an input, and dropout of it), the pattern slots kernels bind, and the kernels
 * that read compact values — dropout and patterned matmuls over the nonzeros, a dense copy for
 * every other reader.
 */

/** What this needs of the scheduler. */
export interface CompactScheduler {
  symbols: Readonly<Record<string, number>>;
  typeOf(id: number): Type;
  size(d: number | string): number;
  byteSizes(type: Type): number[];
  slot(bytes: number, label: string): number;
  /** A buffer for a computed value, reused by liveness; `hold` keeps it until `release`. */
  reusable(bytes: number, label: string): number;
  hold(slots: readonly number[]): void;
  /** One launch of `kernel` for `n`, its output in `out`, a tensor operand's slot from `operand`. */
  launch(n: Node, kernel: KernelSpec, out: number, operand: (id: number) => number): Step;
  slotsOf(id: number): number[];
}

export class CompactValues {
  /** Patterned inputs some kernel reads the pattern of, with their slots in PATTERN_ARRAYS order. */
  readonly patterns: { input: string; slots: readonly number[] }[] = [];
  /** Compact values: value id → the input whose pattern it has. */
  private readonly compact = new Map<number, string>();

  constructor(
    /** Patterned inputs by name, with their nonzero counts. */
    private readonly nonzeros: ReadonlyMap<string, number>,
    private readonly s: CompactScheduler,
  ) {}

  /** The nonzero count of input `name` when it is stored compactly. */
  nonzerosOf(name: string): number | undefined {
    return this.nonzeros.get(name);
  }

  /** Record that value `id` is input `name`, if that input is compact. */
  input(id: number, name: string): void {
    if (this.nonzeros.has(name)) this.compact.set(id, name);
  }

  /** The input whose pattern value `id` has, when it is stored compactly. */
  inputOf(id: number): string | undefined {
    return this.compact.get(id);
  }

  /** Dropout of a compact value: compact in, compact out (the zeros stay zero); undefined for other nodes. */
  dropout(n: Node): { out: number; steps: Step[] } | undefined {
    const input = this.compact.get(n.inputs[0]);
    if (n.op !== "nn.dropout" || input === undefined) return undefined;
    const out = this.s.reusable(this.nonzeros.get(input)! * 4, `nn_dropout_pattern %${n.id}`);
    this.compact.set(n.id, input);
    const kernel = emitPatternDropout(n, this.s.typeOf(n.inputs[0]) as TensorType, { symbols: this.s.symbols });
    return { out, steps: [this.s.launch(n, kernel, out, (id) => this.s.slotsOf(id)[0])] };
  }

  /** The kernel of a matmul whose compact operand is P: P·Wᵀ with P first, or Dᵀ·P with P second; else undefined. */
  matmul(n: Node, types: readonly Type[], options: { symbols: Readonly<Record<string, number>> }): KernelSpec | undefined {
    if (n.op !== "t.matmul") return undefined;
    const [a, b] = n.inputs.map((id) => this.compact.has(id));
    const { transA, transB } = n.attrs;
    const patterned = (a && !b && transA !== true && transB === true) || (b && !a && transA === true && transB !== true);
    return patterned ? emitPatternMatmul(n, types, options) : undefined;
  }

  /**
   * Dense copies of the compact operands of `n` (value id → slot), made by launches appended to
   * `steps` and held; the caller releases them once `n` is scheduled.
   */
  densified(n: Node, steps: Step[]): Map<number, number> {
    const dense = new Map<number, number>();
    n.inputs.forEach((id, k) => {
      if (!this.compact.has(id) || dense.has(id)) return;
      const type = this.s.typeOf(id) as TensorType;
      const slot = this.s.reusable(this.s.byteSizes(type)[0], `${this.compact.get(id)} dense for %${n.id}`);
      this.s.hold([slot]);
      dense.set(id, slot);
      steps.push(this.densify(n, k, type, slot));
    });
    return dense;
  }

  /** The launch writing the dense form of `n`'s compact operand k into slot `to`. */
  densify(n: Node, k: number, type: Type, to: number): Step {
    return this.s.launch(n, emitDensify(n, k, type as TensorType, { symbols: this.s.symbols }), to, (v) => this.s.slotsOf(v)[0]);
  }

  /** The slots of the zero pattern of compact value `value`, made when first bound. */
  patternSlots(value: number): readonly number[] {
    const input = this.compact.get(value)!;
    const known = this.patterns.find((p) => p.input === input);
    if (known) return known.slots;
    const nnz = this.nonzeros.get(input)!;
    const type = this.s.typeOf(value) as TensorType;
    const [n, f] = type.shape.map((d) => this.s.size(d));
    const lengths = { rowptr: n + 1, cols: nnz, colptr: f + 1, rows: nnz, perm: nnz };
    const slots = PATTERN_ARRAYS.map((a) => this.s.slot(lengths[a] * 4, `${input} pattern.${a}`));
    this.patterns.push({ input, slots });
    return slots;
  }
}
