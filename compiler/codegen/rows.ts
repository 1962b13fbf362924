import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, tensorResult, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, checkWords, inUnits, lanesFor, product, refuseInPlace, unitType } from "./words.js";

/**
 * `t.gather_rows` and `t.scatter_rows`. An index out of range — which the interpreter rejects —
 * reads or adds nothing: a kernel cannot raise an error. Indices are read as u32, so a negative
 * one is out of range too.
 */

/** `t.gather_rows`: out[j, c] = x[idx[j], c], one word (or vec4 of words) per work item. */
export function emitGatherRows(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  checkWords(node, x.dtype);
  const idx = tensorOperand(node, inputs, 1);
  const rowWords = product(x.shape.slice(1));
  const lanes = lanesFor([rowWords], options.symbols);
  const sizes = new SizeTable(options.symbols);
  const m = sizes.add("m", idx.shape[0], "runtime");
  const rows = sizes.add("rows", x.shape[0], "runtime");
  const inner = addDivisor(sizes, "inner", inUnits(rowWords, lanes, options.symbols), options.symbols);
  const T = unitType("u32", lanes);
  const bindings = new BindingList()
    .add("x", "read", `array<${T}>`, { kind: "input", input: 0 })
    .add("index", "read", "array<u32>", { kind: "input", input: 1 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(sizes);
  const body = `let r = index[q / ${inner}];
if (r < ${rows}) {
  out[q] = x[r * ${inner} + q % ${inner}];
} else {
  out[q] = ${T}();
}`;
  return flatKernel({
    node,
    name: options.name ?? `t_gather_rows${lanes === 4 ? "_v4" : ""}`,
    summary: "x[idx]: the rows named by an index vector",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${m} * ${inner})`,
    unitsOf: (s) => s.m * s.inner,
    body,
  });
}

/**
 * `t.scatter_rows`: each result row is one invocation, which zeroes its row, then scans the whole
 * index in order and adds every row j with idx[j] = its row: deterministic, no atomics, the sums
 * in the interpreter's order.
 */
export function emitScatterRows(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  const idx = tensorOperand(node, inputs, 1);
  const out = tensorResult(node);
  const rowWords = product(x.shape.slice(1));
  const lanes = lanesFor([rowWords], options.symbols);
  const sizes = new SizeTable(options.symbols);
  const m = sizes.add("m", idx.shape[0], "runtime");
  const rows = sizes.add("rows", out.shape[0], "runtime");
  const inner = sizes.add("inner", inUnits(rowWords, lanes, options.symbols), "runtime");
  const T = unitType("f32", lanes);
  const bindings = new BindingList()
    .add("x", "read", `array<${T}>`, { kind: "input", input: 0 })
    .add("index", "read", "array<u32>", { kind: "input", input: 1 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(sizes);
  const body = `for (var c = 0u; c < ${inner}; c = c + 1u) { out[q * ${inner} + c] = ${T}(); }
for (var j = 0u; j < ${m}; j = j + 1u) {
  if (index[j] == q) {
    for (var c = 0u; c < ${inner}; c = c + 1u) { out[q * ${inner} + c] = out[q * ${inner} + c] + x[j * ${inner} + c]; }
  }
}`;
  return flatKernel({
    node,
    name: options.name ?? `t_scatter_rows${lanes === 4 ? "_v4" : ""}`,
    summary: "zeros with row j of x added to row idx[j]",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: rows,
    unitsOf: (s) => s.rows,
    body,
    perInvocation: 1,
  });
}
