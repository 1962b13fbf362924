/**
 * `gnnc/ir`: what a pass needs of the IR — its types, the op spec table, a builder that infers
 * types as it goes, walking and rewriting helpers, typed attribute readers, the printer and the
 * verifier. Names here are stable: a user pass written against them keeps type-checking.
 */
export type { Attrs, AttrValue, Dim, DType, Func, GraphType, InitSpec, Module, Node, ParamInfo, Region, RngType, TensorType, TupleType, Type } from "../ir/types.js";
export type { AttrSchema, Cost, OpSpec } from "../ir/spec.js";
export { allOpSpecs, getOpSpec } from "../ir/ops/index.js";
export { BuildError, FuncBuilder } from "../ir/builder.js";
export { rewriteFunc, withInput, type Rewriter, type Visitor } from "../ir/rewrite.js";
export { boolAttr, dimAttr, dimsAttr, dtypeAttr, floatAttr, intAttr, intsAttr, stringAttr } from "../ir/attrs.js";
export { inputName, loopOf, paramName, type LoopView } from "../ir/struct-views.js";
export { hashName } from "../ir/rng.js";
export { printFunc, printModule, printNode } from "../ir/print.js";
export { verifyFunc, verifyModule, type VerifyProblem } from "../ir/verify.js";
export { formatType, tensorType, typesEqual } from "../ir/type-utils.js";
export { countNodes, mapFuncs, nodesById } from "../ir/walk.js";
