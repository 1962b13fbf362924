import type { Node, Type } from "../ir/types.js";
import { CodegenError, type EmitOptions, type KernelEmitter, type LaunchesEmitter, type OperandBuffers } from "./emit-context.js";
import { emitBinary, emitUnary } from "./elementwise.js";
import { EPILOGUE_EMITTERS } from "./epilogue.js";
import { FUSED_EMITTERS } from "./fused.js";
import { emitGroupMatmul, emitGroupMatmulTn } from "./group-matmul.js";
import { BINARY, UNARY } from "./elementwise-ops.js";
import type { KernelSpec } from "./kernel.js";
import { emitMatmul } from "./matmul.js";
import { matmulOperandBuffers } from "./matmul-common.js";
import { NN_EMITTERS, NN_LAUNCHES } from "./nn-emitters.js";
import { OPT_EMITTERS, OPT_LAUNCHES } from "./opt-emitters.js";
import { SEGMENT_EMITTERS } from "./segment-emitters.js";
import { SHAPE_GRAPH_EMITTERS, SHAPE_GRAPH_LAUNCHES } from "./shape-graph-emitters.js";
import { SPARSE_EMITTERS, SPARSE_LAUNCHES } from "./sparse-emitters.js";
import { emitSpmm, spmmOperandBuffers } from "./spmm.js";

/**
 * The ops that have a kernel, and the entry points that turn an IR node into its kernel (or its
 * launches), with the hooks of ops that need more than one launch or produce epilogues.
 */

const EMITTERS: ReadonlyMap<string, KernelEmitter> = new Map<string, KernelEmitter>([
  ...Object.keys(UNARY).map((op): [string, KernelEmitter] => [op, emitUnary]),
  ...Object.keys(BINARY).map((op): [string, KernelEmitter] => [op, emitBinary]),
  ["t.matmul", emitMatmul],
  ["t.group_matmul", emitGroupMatmul],
  ["t.group_matmul_tn", emitGroupMatmulTn],
  ["g.spmm", emitSpmm],
  ...NN_EMITTERS,
  ...SHAPE_GRAPH_EMITTERS,
  ...SEGMENT_EMITTERS,
  ...OPT_EMITTERS,
  ...FUSED_EMITTERS,
  ...EPILOGUE_EMITTERS,
  ...SPARSE_EMITTERS,
]);

/** Ops that run as several launches: operands that may outnumber one kernel's storage buffers, a loss gradient's denominator. */
const LAUNCHES: ReadonlyMap<string, LaunchesEmitter> = new Map([...SHAPE_GRAPH_LAUNCHES, ...OPT_LAUNCHES, ...SPARSE_LAUNCHES, ...NN_LAUNCHES]);

/** Ops that take an epilogue into their kernel (OpSpec.epilogue), with their bindings besides the output. */
const OPERAND_BUFFERS: ReadonlyMap<string, OperandBuffers> = new Map([
  ["t.matmul", matmulOperandBuffers],
  ["g.spmm", spmmOperandBuffers],
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
  checkOperands(node, inputs);
  return emit(node, inputs, options);
}

/**
 * The launches computing `node`, in order, all writing its one output: its kernel, or, for an op
 * with a launches hook (concat, global norm), as many as its operands need.
 */
export function emitLaunches(node: Node, inputs: readonly Type[], options: EmitOptions = {}): KernelSpec[] {
  const launches = LAUNCHES.get(node.op);
  if (!launches) return [emitKernel(node, inputs, options)];
  checkOperands(node, inputs);
  return launches(node, inputs, options);
}

/** Storage buffers the kernel of epilogue producer `node` binds besides its output; undefined for other ops. */
export function operandBuffers(node: Node): number | undefined {
  return OPERAND_BUFFERS.get(node.op)?.(node);
}

function checkOperands(node: Node, inputs: readonly Type[]): void {
  if (inputs.length !== node.inputs.length) {
    throw new CodegenError(node.op, `${node.inputs.length} operand(s) but ${inputs.length} type(s) given`, node.span);
  }
}
