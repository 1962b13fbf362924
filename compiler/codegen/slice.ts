import { dimAttr } from "../ir/attrs.js";
import { dimMul } from "../ir/dims.js";
import type { Dim, Node, Type } from "../ir/types.js";
import { axisView } from "./axis-view.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, checkWords, inUnits, lanesFor, refuseInPlace, unitType } from "./words.js";

/**
 * One window along an axis: `t.slice` (read a window), `t.pad` (write into a window of zeros) and
 * `t.select` (read the window of one index held in a buffer). Each row of the outer dims moves one
 * contiguous run of words, so sizes are declared in units (vec4s when every run and offset is a
 * multiple of 4 words).
 */


interface Window {
  /** Outer rows. */
  outer: Dim;
  /** Words of the window in one row. */
  run: Dim;
  /** Words of the whole axis in one row. */
  row: Dim;
  /** Words before the window in one row. */
  start: Dim;
}

/** Declare a window's sizes (in units) and return their WGSL expressions. */
function declareWindow(w: Window, options: EmitOptions) {
  const lanes = lanesFor([w.run, w.row, w.start], options.symbols);
  const sizes = new SizeTable(options.symbols);
  const unit = (d: Dim) => inUnits(d, lanes, options.symbols);
  return {
    lanes,
    sizes,
    outer: sizes.add("outer", w.outer),
    run: addDivisor(sizes, "run", unit(w.run), options.symbols),
    row: addDivisor(sizes, "row", unit(w.row), options.symbols),
    start: sizes.add("start", unit(w.start)),
  };
}

/** `t.slice`: out[o, r] = x[o, start + r] (per outer row o, over the window's words r). */
export function emitSlice(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  checkWords(node, x.dtype);
  const v = axisView(node, x, node.attrs.axis);
  const d = declareWindow(
    {
      outer: v.outer,
      run: dimMul(dimAttr(node.attrs, "size"), v.inner),
      row: dimMul(v.dim, v.inner),
      start: dimMul(dimAttr(node.attrs, "start"), v.inner),
    },
    options,
  );
  const T = unitType("u32", d.lanes);
  const bindings = new BindingList()
    .add("x", "read", `array<${T}>`, { kind: "input", input: 0 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(d.sizes);
  return flatKernel({
    node,
    name: options.name ?? `t_slice${d.lanes === 4 ? "_v4" : ""}`,
    summary: `x[start : start + size] along axis ${v.axis}`,
    sizes: d.sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${d.outer} * ${d.run})`,
    unitsOf: (s) => s.outer * s.run,
    body: `out[q] = x[(q / ${d.run}) * ${d.row} + ${d.start} + q % ${d.run}];`,
  });
}

/** `t.pad`: zeros of the padded shape with x's words at [start, start + len) of each row. */
export function emitPad(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  checkWords(node, x.dtype);
  const v = axisView(node, x, node.attrs.axis);
  const d = declareWindow(
    {
      outer: v.outer,
      run: dimMul(v.dim, v.inner),
      row: dimMul(dimAttr(node.attrs, "size"), v.inner),
      start: dimMul(dimAttr(node.attrs, "start"), v.inner),
    },
    options,
  );
  const T = unitType("u32", d.lanes);
  const bindings = new BindingList()
    .add("x", "read", `array<${T}>`, { kind: "input", input: 0 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(d.sizes);
  const body = `let r = q % ${d.row};
if (r >= ${d.start} && r < ${d.start} + ${d.run}) {
  out[q] = x[(q / ${d.row}) * ${d.run} + r - ${d.start}];
} else {
  out[q] = ${T}();
}`;
  return flatKernel({
    node,
    name: options.name ?? `t_pad${d.lanes === 4 ? "_v4" : ""}`,
    summary: `zeros with x placed at [start, start + len) along axis ${v.axis}`,
    sizes: d.sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${d.outer} * ${d.row})`,
    unitsOf: (s) => s.outer * s.row,
    body,
  });
}

/**
 * `t.select`: x[…, i, …] with the axis dropped, i read from the index operand's buffer (an i32 or
 * u32 scalar, read as u32 so a negative index is out of range too). An index out of range — which
 * the interpreter rejects — gives zeros: a kernel cannot raise an error.
 */
export function emitSelect(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  checkWords(node, x.dtype);
  tensorOperand(node, inputs, 1);
  const v = axisView(node, x, node.attrs.axis);
  const lanes = lanesFor([v.inner], options.symbols);
  const sizes = new SizeTable(options.symbols);
  const outer = sizes.add("outer", v.outer);
  const dim = sizes.add("dim", v.dim);
  const inner = addDivisor(sizes, "inner", inUnits(v.inner, lanes, options.symbols), options.symbols);
  const T = unitType("u32", lanes);
  const bindings = new BindingList()
    .add("x", "read", `array<${T}>`, { kind: "input", input: 0 })
    .add("index", "read", "array<u32>", { kind: "input", input: 1 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(sizes);
  const body = `let i = index[0];
if (i < ${dim}) {
  out[q] = x[((q / ${inner}) * ${dim} + i) * ${inner} + q % ${inner}];
} else {
  out[q] = ${T}();
}`;
  return flatKernel({
    node,
    name: options.name ?? `t_select${lanes === 4 ? "_v4" : ""}`,
    summary: `x[i] along axis ${v.axis} for the index in a buffer`,
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${outer} * ${inner})`,
    unitsOf: (s) => s.outer * s.inner,
    body,
  });
}
