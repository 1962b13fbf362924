import { getOpSpec } from "../ir/ops/index.js";
import type { Node, Type } from "../ir/types.js";
import { CodegenError, type EmitOptions, type KernelEmitter } from "./emit-context.js";
import { epilogueHook } from "./epilogue-apply.js";
import type { KernelSpec } from "./kernel.js";
import { emitMatmul } from "./matmul.js";
import { emitSpmm } from "./spmm.js";
import { MAX_STORAGE_BUFFERS } from "./kernel.js";

/**
 * Kernels of `t.matmul_epilogue` and `g.spmm_epilogue`: the producer's own kernel (the tiled
 * matmul, the CSR SpMM), given the epilogue to apply before each store (epilogue-apply.ts). The
 * producer's emitter sees the node as the plain producer — its operands alone, the product's own
 * type — while the epilogue indexes the node's result, which may view the product in another
 * shape with the same elements (the flat index is the same).
 */

/** The WebGPU default `maxStorageBuffersPerShaderStage`. */

function emitEpilogue(producerOp: string, emit: typeof emitMatmul): KernelEmitter {
  return (node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec => {
    const region = node.regions?.[0];
    if (!region || region.params.length < 1) throw new CodegenError(node.op, "has no epilogue region", node.span);
    const first = inputs.length - (region.params.length - 1); // the producer's operands come first
    const operands = inputs.slice(0, first);
    const { shape: _view, ...attrs } = node.attrs;
    const product = getOpSpec(producerOp)!.infer(operands, attrs);
    if ("error" in product) throw new CodegenError(node.op, product.error, node.span);
    const plain: Node = { ...node, op: producerOp, type: product, inputs: node.inputs.slice(0, first), attrs, regions: undefined };
    const kernel = emit(plain, operands, options, epilogueHook(node, inputs, first, options.symbols ?? {}));
    const storage = kernel.bindings.filter((b) => b.access !== "uniform").length;
    if (storage > MAX_STORAGE_BUFFERS) {
      throw new CodegenError(node.op, `${storage} storage buffers exceed the ${MAX_STORAGE_BUFFERS} of one kernel`, node.span);
    }
    return { ...kernel, op: node.op };
  };
}

export const EPILOGUE_EMITTERS: readonly [string, KernelEmitter][] = [
  ["t.matmul_epilogue", emitEpilogue("t.matmul", emitMatmul)],
  ["g.spmm_epilogue", emitEpilogue("g.spmm", emitSpmm)],
];
