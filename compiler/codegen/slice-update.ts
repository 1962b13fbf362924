import type { Node, Type } from "../ir/types.js";
import { axisView } from "./axis-view.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, arithmeticScalar, inUnits, lanesFor, unitType } from "./words.js";

/**
 * `t.scatter_slice` (base with slice i along an axis replaced by value) and `t.slice_add` (value
 * added to that slice), i read from the index operand's buffer (as u32, so negative i32 indices
 * are out of range). An index out of range — which the interpreter rejects — leaves the base
 * unchanged: a kernel cannot raise an error.
 *
 * Two variants:
 * - copying (default): out = base with the slice updated; one work item per unit of base.
 * - in place (`options.inPlace`): no output binding; base is bound read_write and only its slice
 *   i is touched, one work item per unit of value. The executor uses it for loop accumulators it
 *   owns (ir/update-chains.ts), whose buffer then holds the result.
 */


type Update = "replace" | "add";

function emitSliceUpdate(node: Node, inputs: readonly Type[], options: EmitOptions, update: Update): KernelSpec {
  const base = tensorOperand(node, inputs, 0);
  tensorOperand(node, inputs, 1);
  tensorOperand(node, inputs, 2);
  // Replacing moves words; adding needs the dtype's arithmetic (bool adds as u32, like the interpreter's bytes).
  const arithmetic = arithmeticScalar(node, base.dtype);
  const scalar = update === "add" ? arithmetic : "u32";
  const v = axisView(node, base, node.attrs.axis);
  const lanes = lanesFor([v.inner], options.symbols);
  const T = unitType(scalar, lanes);
  const sizes = new SizeTable(options.symbols);
  const outer = sizes.add("outer", v.outer);
  const dim = addDivisor(sizes, "dim", v.dim, options.symbols);
  const inner = addDivisor(sizes, "inner", inUnits(v.inner, lanes, options.symbols), options.symbols);
  const inPlace = options.inPlace === true;
  const list = new BindingList()
    .add("base", inPlace ? "read_write" : "read", `array<${T}>`, { kind: "input", input: 0 })
    .add("value", "read", `array<${T}>`, { kind: "input", input: 1 })
    .add("index", "read", "array<u32>", { kind: "input", input: 2 });
  if (!inPlace) list.add("out", "read_write", `array<${T}>`, { kind: "output" });
  const bindings = list.finish(sizes);
  const updated = (old: string, value: string) => (update === "add" ? `${old} + ${value}` : value);

  // In place: work item q is unit q of value, written to its place in slice i of base.
  const inPlaceBody = `let i = index[0];
if (i < ${dim}) {
  let t = ((q / ${inner}) * ${dim} + i) * ${inner} + q % ${inner};
  base[t] = ${updated("base[t]", "value[q]")};
}`;
  // Copying: work item q is unit q of base; the units of slice i take the update.
  const copyBody = `if ((q / ${inner}) % ${dim} == index[0]) {
  out[q] = ${updated("base[q]", `value[(q / (${dim} * ${inner})) * ${inner} + q % ${inner}]`)};
} else {
  out[q] = base[q];
}`;
  const variant = `${lanes === 4 ? "_v4" : ""}${inPlace ? "_inplace" : ""}`;
  return flatKernel({
    node,
    name: options.name ?? `${node.op.replace(".", "_")}_${scalar}${variant}`,
    summary: `${update === "add" ? "add value to" : "replace"} slice i of base along axis ${v.axis}${inPlace ? ", in place" : ""}`,
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: inPlace ? `(${outer} * ${inner})` : `(${outer} * ${dim} * ${inner})`,
    unitsOf: inPlace ? (s) => s.outer * s.inner : (s) => s.outer * s.dim * s.inner,
    body: inPlace ? inPlaceBody : copyBody,
  });
}

export function emitScatterSlice(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitSliceUpdate(node, inputs, options, "replace");
}

export function emitSliceAdd(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitSliceUpdate(node, inputs, options, "add");
}
