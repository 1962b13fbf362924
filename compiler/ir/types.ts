import type { Span } from "../../grammar/span.js";
import type { StepPlan } from "./step-plan.js";

/**
 * The gnnc IR: one node type, SSA values, symbolic shapes. A node is immutable once built;
 * passes build new nodes instead of editing old ones.
 */

export type DType = "f32" | "f16" | "i32" | "u32" | "bool";

/**
 * A dimension: a concrete size, or a symbol resolved when data is bound.
 * Symbols are canonical strings: `N` (nodes), `E` (edges), `cora.num_features`, or arithmetic of
 * those built by `compiler/ir/dims.ts` (`E+N`, `hidden/2`). Two dims are equal iff `===`.
 */
export type Dim = number | string;

export interface TensorType {
  kind: "tensor";
  dtype: DType;
  shape: readonly Dim[];
}

/**
 * A graph: CSR by destination (row i lists the sources of i's incoming edges). Edge-indexed
 * tensors (`[E]`, `[E,H]`) follow that edge order. `selfLoops` records that a self loop was added
 * for every node (edges = E + N).
 */
export interface GraphType {
  kind: "graph";
  nodes: Dim;
  edges: Dim;
  selfLoops: boolean;
}

/** A counter-based RNG key. Randomness is an explicit value, so recomputation replays exactly. */
export interface RngType {
  kind: "rng";
}

/**
 * Several values produced by one node (a loop carrying more than one value); `s.get{index}`
 * takes one out. Tuples never nest and never reach a function's inputs.
 */
export interface TupleType {
  kind: "tuple";
  items: readonly Type[];
}

export type Type = TensorType | GraphType | RngType | TupleType;

export type AttrValue = number | string | boolean | readonly number[] | readonly string[] | readonly Dim[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** The one node type. `id` is unique within a function, nested regions included. */
export interface Node {
  readonly id: number;
  readonly op: string;
  readonly type: Type;
  readonly inputs: readonly number[];
  readonly attrs: Attrs;
  /** The `.gnn` text that produced this node. */
  readonly span?: Span;
  /** Nested bodies (loops, custom-backward regions). Region bodies may use values defined outside. */
  readonly regions?: readonly Region[];
}

/** A nested body. `params` are `s.arg` nodes bound on each entry; `results` are ids inside `body`. */
export interface Region {
  readonly params: readonly Node[];
  readonly body: readonly Node[];
  readonly results: readonly number[];
}

/**
 * A function. Its leaves are ordinary nodes: `s.input{name}` (data: features, graph, rng, …),
 * `s.param{name}` (a trainable parameter or buffer, described in `Module.params`), `t.const`.
 */
export interface Func {
  readonly name: string;
  readonly body: readonly Node[];
  readonly results: readonly number[];
  /** One name per result (`out`, `bn.running_mean`, …). */
  readonly resultNames: readonly string[];
}

export type InitKind =
  | "glorot"
  | "kaiming_uniform"
  | "uniform_fan_in"
  | "zeros"
  | "ones"
  | "identity"
  /** Given values, in row-major order (a constant table: a quantisation's level set). */
  | "values";

/** How to initialise a parameter; `fanIn`/`fanOut` are taken from the shape's last two dims. */
export interface InitSpec {
  kind: InitKind;
  /** For kaiming_uniform: the negative slope `a` (PyTorch's Linear uses sqrt(5)). */
  a?: number;
  /** For uniform_fan_in: bound = 1/sqrt(fanIn) where fanIn is this value. */
  fanIn?: number;
  /** For values: every element, row-major. */
  values?: readonly number[];
}

export interface ParamInfo {
  /** PyG-style dotted name: `conv1.lin.weight`, `stack.conv.lin_l.weight`. */
  readonly name: string;
  readonly type: TensorType;
  readonly init: InitSpec;
  /** False for buffers (BatchNorm running statistics). */
  readonly trainable: boolean;
  /** For parameters of an untied `repeat(n)` stack: leading dim n holds one slice per layer. */
  readonly stacked?: boolean;
  readonly span?: Span;
}

export interface Module {
  readonly name: string;
  /** Symbols with values known at compile time (from dataset metadata); unknown ones are absent. */
  readonly symbols: Readonly<Record<string, number>>;
  readonly params: readonly ParamInfo[];
  readonly funcs: readonly Func[];
  /** Which function trains each step when that varies by step (step-plan.ts); absent: `train_step` every step. */
  readonly steps?: StepPlan;
  readonly span?: Span;
}
