import type { Attrs, AttrValue, Dim, Node, Region, Type } from "./types.js";
import type { FloatPrecision, Value } from "./values.js";

/**
 * The contract of an entry in the op spec table. The verifier, the builder's type inference,
 * the reference interpreter, the cost model, autodiff, the passes and the plans all read this
 * table; adding an op means adding one entry (plus its WGSL kernel).
 */

export type AttrKind = "int" | "float" | "bool" | "string" | "ints" | "dim" | "dims" | "strings";

export interface AttrSchema {
  kind: AttrKind;
  /** Omitted attrs take this default; an attr with neither default nor `optional` is required. */
  default?: AttrValue;
  optional?: boolean;
  /** For string attrs: the allowed values. */
  oneOf?: readonly string[];
  doc?: string;
}

/** A type-inference failure. `operands` are the input positions at fault (for two-location errors). */
export interface InferError {
  error: string;
  operands?: number[];
}

export function isInferError(x: Type | InferError): x is InferError {
  return (x as InferError).error !== undefined;
}

export interface InterpretContext {
  /**
   * Run a nested region of the op being interpreted with the given argument values. `owned[k]`
   * hands argument k to the region: its single user may overwrite it (see ir/update-chains.ts).
   */
  runRegion(region: Region, args: Value[], owned?: readonly boolean[]): Value[];
  /** The nested regions of the node being interpreted (structural ops such as `s.loop`). */
  readonly regions?: readonly Region[];
  /**
   * Operands whose values die at this node and belong to the run (a loop-carried accumulator):
   * the op may write its result into them instead of a copy. Absent: never overwrite an input.
   */
  readonly overwritable?: readonly boolean[];
  /** Storage of float results (default f32); ops pass it to `alloc` so f64 runs stay f64 throughout. */
  readonly precision?: FloatPrecision;
  /**
   * Which carried values of a loop region are update chains (ir/update-chains.ts), which the loop
   * hands to their in-place update. The interpreter gives it (it knows the op table); absent, as in
   * a bare context, no value is handed over — the results are the same, only copies are made.
   */
  updateChains?(region: Region): boolean[];
}

export interface Cost {
  flops: number;
  bytes: number;
}

/** Where a VJP emits its nodes: the backward half of the same function, types inferred as they go. */
export interface VjpBuilder {
  emit(op: string, inputs: readonly number[], attrs?: Attrs): number;
  typeOf(id: number): Type;
}

export interface VjpArgs {
  /** The primal node; its `inputs` are primal ids, usable from the backward. */
  node: Node;
  /** The primal node's own value (its id in the combined forward+backward function). */
  output: number;
  /** dL/d(output): same type as the output. */
  cotangent: number;
}

export interface OpSpec {
  /** Namespaced: `t.matmul`, `g.spmm`, `nn.dropout`, `s.loop`. */
  readonly name: string;
  readonly summary: string;
  /** Exact input count, or [min, max] (max = Infinity for variadic). */
  readonly arity: number | readonly [number, number];
  readonly attrs: Readonly<Record<string, AttrSchema>>;
  /** Number of nested regions the op carries (default 0), or [min, max]. */
  readonly regions?: number | readonly [number, number];
  /** False for ops whose result depends on more than their inputs (none yet); CSE/DCE skip them. */
  readonly pure: boolean;
  /** Result type from input types and (defaulted) attrs. Regions are given for structural ops. */
  infer(inputs: readonly Type[], attrs: Attrs, regions?: readonly Region[]): Type | InferError;
  /** The reference semantics: f32 storage, f64 accumulation. Concrete shapes. */
  interpret(inputs: readonly Value[], attrs: Attrs, ctx: InterpretContext): Value;
  /**
   * The gradient rule (reverse mode): for each input, the id of its gradient contribution, of that
   * input's exact type (broadcasts reduced back), or undefined where no gradient flows (graphs, rng
   * keys, integer indices). Omitted only by leaves and by ops listed as non-differentiable.
   */
  vjp?(b: VjpBuilder, a: VjpArgs): readonly (number | undefined)[];
  /** True for ops whose output carries no gradient to any input (degree, argmax, masks, …). */
  readonly nondifferentiable?: boolean;
  /**
   * FLOPs and bytes moved by the op itself, evaluated on concrete sizes (symbols resolved). The
   * nodes of its regions are counted by the walker (plan/flops.ts), as `trip` and
   * `regionOperands` say.
   */
  cost(inputs: readonly Type[], output: Type, attrs: Attrs, symbols: Readonly<Record<string, number>>): Cost;

  // Facts the passes, plans and emitters read instead of matching op names.

  /**
   * Loops (`s.loop`, `s.reversible`): how many times the op's regions run per run of the op — an
   * iteration cap for equilibrium loops. The cost model multiplies their nodes by it; autodiff
   * differentiates such ops as stacks.
   */
  readonly trip?: (attrs: Attrs) => Dim;
  /**
   * Ops whose one region is their own elementwise function, applied to their operands (`t.fused`
   * and the epilogue ops): what each region param stands for — an operand's id, or undefined for a
   * value that never leaves the kernel (an epilogue's product). Such a region's nodes cost
   * arithmetic only (they work on registers), and its params hold no buffers of their own.
   */
  readonly regionOperands?: (node: Node) => readonly (number | undefined)[];
  /**
   * Can write its result into operand 0 when that value is its to overwrite: a loop's update
   * chain (ir/update-chains.ts), which the interpreter and the GPU then keep in one buffer.
   */
  readonly inPlace?: boolean;
  /** The op computing this one with an elementwise epilogue applied in its kernel (passes/fuse-epilogue.ts). */
  readonly epilogue?: string;
}
