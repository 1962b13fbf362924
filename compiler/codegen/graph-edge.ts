import { stringAttr } from "../ir/attrs.js";
import type { GraphType, Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, arithmeticScalar, checkWords, inUnits, lanesFor, product, refuseInPlace, unitType } from "./words.js";

/**
 * Edge-parallel graph ops: every edge's row of the result depends on its two end nodes only, so
 * one work item per unit of the result, no reduction: `g.gather_src`/`g.gather_dst` (node rows
 * copied onto edges) and `g.sddmm` (a[src] + b[dst], or their dot product per group of the last
 * axis). The edge count is passed at run time, so one pipeline serves every graph.
 */


export function graphOperand(node: Node, inputs: readonly Type[]): GraphType {
  const g = inputs[0];
  if (g?.kind !== "graph") throw new CodegenError(node.op, "operand 0 must be a graph", node.span);
  return g;
}

function emitGather(node: Node, inputs: readonly Type[], options: EmitOptions, side: "src" | "dst"): KernelSpec {
  refuseInPlace(node, options);
  const g = graphOperand(node, inputs);
  const x = tensorOperand(node, inputs, 1);
  checkWords(node, x.dtype);
  const row = product(x.shape.slice(1));
  const lanes = lanesFor([row], options.symbols);
  const T = unitType("u32", lanes);
  const sizes = new SizeTable(options.symbols);
  const e = sizes.add("e", g.edges, "runtime");
  const f = addDivisor(sizes, "f", inUnits(row, lanes, options.symbols), options.symbols);
  const bindings = new BindingList()
    .add("ends", "read", "array<i32>", { kind: "graph", input: 0, array: side })
    .add("x", "read", `array<${T}>`, { kind: "input", input: 1 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(sizes);
  return flatKernel({
    node,
    name: options.name ?? `g_gather_${side}${lanes === 4 ? "_v4" : ""}`,
    summary: `out[e] = x[${side}[e]]`,
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${e} * ${f})`,
    unitsOf: (s) => s.e * s.f,
    body: `out[q] = x[u32(ends[q / ${f}]) * ${f} + q % ${f}];`,
  });
}

export function emitGatherSrc(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitGather(node, inputs, options, "src");
}

export function emitGatherDst(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitGather(node, inputs, options, "dst");
}

/** `g.sddmm`: op=add gives a[src[e]] + b[dst[e]] per edge; op=dot their dot product over the last axis. */
export function emitSddmm(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const g = graphOperand(node, inputs);
  const a = tensorOperand(node, inputs, 1);
  tensorOperand(node, inputs, 2);
  const scalar = arithmeticScalar(node, a.dtype);
  const dot = stringAttr(node.attrs, "op") === "dot";
  // add: units of a whole row; dot: units of the last axis, one work item per (edge, group).
  const width = dot ? a.shape[a.shape.length - 1] : product(a.shape.slice(1));
  const lanes = lanesFor([width], options.symbols);
  const T = unitType(scalar, lanes);
  const sizes = new SizeTable(options.symbols);
  const e = sizes.add("e", g.edges, "runtime");
  const groups = dot ? addDivisor(sizes, "groups", product(a.shape.slice(1, -1)), options.symbols) : "1u";
  const f = addDivisor(sizes, dot ? "d" : "f", inUnits(width, lanes, options.symbols), options.symbols);
  const bindings = new BindingList()
    .add("src", "read", "array<i32>", { kind: "graph", input: 0, array: "src" })
    .add("dst", "read", "array<i32>", { kind: "graph", input: 0, array: "dst" })
    .add("a", "read", `array<${T}>`, { kind: "input", input: 1 })
    .add("b", "read", `array<${T}>`, { kind: "input", input: 2 })
    .add("out", "read_write", `array<${dot ? scalar : T}>`, { kind: "output" })
    .finish(sizes);
  const addBody = `let e = q / ${f};
let c = q % ${f};
out[q] = a[u32(src[e]) * ${f} + c] + b[u32(dst[e]) * ${f} + c];`;
  // Work item q = (edge, group): the group's D values start at (node · groups + group) · D.
  const term = lanes === 4 ? "dot(a[sa + j], b[sb + j])" : "a[sa + j] * b[sb + j]";
  const dotBody = `let e = q / ${groups};
let k = q % ${groups};
let sa = (u32(src[e]) * ${groups} + k) * ${f};
let sb = (u32(dst[e]) * ${groups} + k) * ${f};
var acc = ${scalar}(0);
for (var j = 0u; j < ${f}; j = j + 1u) {
  acc = acc + ${term};
}
out[q] = acc;`;
  return flatKernel({
    node,
    name: options.name ?? `g_sddmm_${dot ? "dot" : "add"}${lanes === 4 ? "_v4" : ""}`,
    summary: dot ? "per edge and group: a[src] · b[dst] over the last axis" : "per edge: a[src] + b[dst]",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: dot ? `(${e} * ${groups})` : `(${e} * ${f})`,
    unitsOf: dot ? (s) => s.e * s.groups : (s) => s.e * s.f,
    body: dot ? dotBody : addBody,
    // A dot product loops over D: one per invocation spreads long rows over more invocations.
    perInvocation: dot ? 1 : undefined,
  });
}
