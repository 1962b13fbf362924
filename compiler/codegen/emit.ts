import type { Node, Type } from "../ir/types.js";
import { CodegenError, type EmitOptions, type KernelEmitter } from "./emit-context.js";
import { emitBinary, emitUnary } from "./elementwise.js";
import { EPILOGUE_EMITTERS } from "./epilogue.js";
import { FUSED_EMITTERS } from "./fused.js";
import { BINARY, UNARY } from "./elementwise-ops.js";
import type { KernelSpec } from "./kernel.js";
import { emitMatmul } from "./matmul.js";
import { NN_EMITTERS } from "./nn-emitters.js";
import { OPT_EMITTERS } from "./opt-emitters.js";
import { SHAPE_GRAPH_EMITTERS } from "./shape-graph-emitters.js";
import { emitSpmm } from "./spmm.js";

/** The ops that have a kernel, and the one entry point that turns an IR node into its kernel. */

const EMITTERS: ReadonlyMap<string, KernelEmitter> = new Map<string, KernelEmitter>([
  ...Object.keys(UNARY).map((op): [string, KernelEmitter] => [op, emitUnary]),
  ...Object.keys(BINARY).map((op): [string, KernelEmitter] => [op, emitBinary]),
  ["t.matmul", emitMatmul],
  ["g.spmm", emitSpmm],
  ...NN_EMITTERS,
  ...SHAPE_GRAPH_EMITTERS,
  ...OPT_EMITTERS,
  ...FUSED_EMITTERS,
  ...EPILOGUE_EMITTERS,
]);

/** Ops with a kernel, sorted. */
export function kernelOps(): string[] {
  return [...EMITTERS.keys()].sort();
}

export function hasKernel(op: string): boolean {
  return EMITTERS.has(op);
}

/**
 * The kernel computing `node`, given its operands' types. Deterministic: the same node, types and
 * options give byte-identical WGSL. Throws CodegenError for ops (or variants) without a kernel.
 */
export function emitKernel(node: Node, inputs: readonly Type[], options: EmitOptions = {}): KernelSpec {
  const emit = EMITTERS.get(node.op);
  if (!emit) throw new CodegenError(node.op, "no WGSL kernel for this op yet", node.span);
  if (inputs.length !== node.inputs.length) {
    throw new CodegenError(node.op, `${node.inputs.length} operand(s) but ${inputs.length} type(s) given`, node.span);
  }
  return emit(node, inputs, options);
}
