/**
 * `gnnc/ir`: what a pass needs of the IR — its types, the op spec table, a builder that infers
 * types as it goes, walking and rewriting helpers, the printer and the verifier.
 */
export type { Attrs, AttrValue, Dim, DType, Func, GraphType, InitSpec, Module, Node, ParamInfo, Region, RngType, TensorType, TupleType, Type } from "../ir/types.js";
export type { AttrSchema, Cost, OpSpec } from "../ir/spec.js";
export { allOpSpecs, getOpSpec } from "../ir/ops/index.js";
export { BuildError, FuncBuilder } from "../ir/builder.js";
export { printFunc, printModule, printNode } from "../ir/print.js";
export { verifyModule, type VerifyProblem } from "../ir/verify.js";
export { formatType, tensorType, typesEqual } from "../ir/type-utils.js";
export { countNodes, mapFuncs, nodesById } from "../passes/ir-walk.js";
