import type { Span } from "../../../grammar/span.js";
import type { Attrs, Dim, InitSpec } from "../../ir/types.js";
import type { FrontendCode } from "../codes.js";
import type { DiagExtra } from "../report.js";
import type { BoundArgs, Signature } from "../signature.js";
import type { GraphValue, TensorValue, Value } from "../value.js";
import type { Instance } from "../instance.js";

/** A parameter or buffer of one layer, named relative to the layer (`lin.weight`). */
export interface LocalParam {
  name: string;
  shape: Dim[];
  init: InitSpec;
  /** False for buffers such as BatchNorm's running statistics. */
  trainable: boolean;
}

/** One input of a layer's forward: `x` (node features), the graph, or edge data (`edge_weight`, `edge_attr`). */
export interface LayerInput {
  name: string;
  /** `tensors`: a list of tensors (JumpingKnowledge's layer outputs); `any`: checked by the layer (Sequential's). */
  kind: "tensor" | "graph" | "tensors" | "any";
  /** May be left out (PyG's `edge_weight=None`): the expansion then sees `undefined`. */
  optional?: boolean;
}

/**
 * What a layer's expansion may do: emit primitive ops (typed by the op spec table), read its
 * parameters (already selected per iteration inside stacks), draw randomness, check input
 * shapes with two-location errors, and call a module-typed argument (GINConv's `nn`).
 */
export interface LayerContext {
  /** Training mode (dropout active, batch statistics) or eval mode. */
  readonly training: boolean;
  /** True while emitting the body of a stack's loop. */
  readonly inLoop: boolean;
  /** The iteration (an i32 scalar, from 0) of the innermost stack loop being emitted; undefined outside stacks. */
  readonly loopIndex?: TensorValue;
  /** The graph a block's `message` is running over (edge functions such as `edge_softmax` use it). */
  readonly messageGraph?: GraphValue;
  tensor(op: string, inputs: readonly number[], attrs?: Attrs): TensorValue;
  graph(op: string, inputs: readonly number[], attrs?: Attrs): GraphValue;
  /** A scalar f32 constant. */
  constant(value: number): TensorValue;
  param(local: string): TensorValue;
  /** A fresh RNG stream for one random site. */
  rng(): number;
  /** The new value of a buffer after this call (BatchNorm running statistics in training mode). */
  updateBuffer(local: string, value: TensorValue): void;
  /** Check that input `index` is a 2-D matrix whose last dim is `width` (the layer's `argName`). */
  expectWidth(index: number, width: Dim, argName: string): void;
  /** Call the module-typed argument `argName` with the given inputs. */
  callChild(argName: string, inputs: readonly Value[]): Value;
  /** Call a child instance the layer lists in `LayerDef.children`, under its parameter name. */
  callNamed(name: string, instance: Instance, inputs: readonly Value[]): Value;
  /** Report an error at the call and abort. */
  fail(code: FrontendCode, message: string, extra?: DiagExtra): never;
  /** The span of the call, and of the declaration that created this instance. */
  readonly callSpan: Span;
  readonly declSpan: Span;
}

export interface LayerDef {
  readonly signature: Signature;
  /** What its call takes; a function of the arguments where that depends on them (Sequential's `input_args`). */
  readonly inputs: readonly LayerInput[] | ((args: BoundArgs) => readonly LayerInput[]);
  /** Its own parameters (module-typed arguments contribute theirs under the argument's name). */
  params(args: BoundArgs): LocalParam[];
  /** Child instances held other than as module-typed arguments (a list of them), with their parameter names. */
  children?(args: BoundArgs): [string, Instance][];
  /** Checks across arguments that the signature cannot express; report through `fail`. */
  validate?(args: BoundArgs, fail: (argName: string, message: string, help?: string) => void): void;
  expand(ctx: LayerContext, args: BoundArgs, inputs: readonly (Value | undefined)[]): TensorValue;
}

/** Input `index` of a layer call; the caller has already checked its kind against `LayerDef.inputs`. */
export function tensorInput(inputs: readonly (Value | undefined)[], index: number): TensorValue {
  const v = inputs[index];
  if (v?.kind !== "tensor") throw new Error(`internal: layer input ${index} is not a tensor`);
  return v;
}

/** An optional tensor input: undefined when the call left it out. */
export function optionalTensorInput(inputs: readonly (Value | undefined)[], index: number): TensorValue | undefined {
  return inputs[index] === undefined ? undefined : tensorInput(inputs, index);
}

export function graphInput(inputs: readonly (Value | undefined)[], index: number): GraphValue {
  const v = inputs[index];
  if (v?.kind !== "graph") throw new Error(`internal: layer input ${index} is not a graph`);
  return v;
}
