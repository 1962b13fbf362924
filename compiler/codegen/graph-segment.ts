import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import { graphOperand } from "./graph-edge.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, arithmeticScalar, checkWords, inUnits, lanesFor, product, refuseInPlace, unitType } from "./words.js";

/**
 * Kernels that walk each destination's in-edges (contiguous in the CSR order) with one work item
 * per (node, unit of channels): the max of edge rows (`g.scatter_max`) and its gradient route
 * (`g.scatter_max_mask`), and the edge values of a graph with self loops appended
 * (`g.append_loops`, `g.loop_part`: row i of the looped graph is row i of g, shifted by the i
 * loops before it, then i's loop).
 */

interface RowWalk {
  node: Node;
  options: EmitOptions;
  /** The WGSL scalar of the units: arithmetic ops compute in it, data movement copies u32 words. */
  scalar: "f32" | "i32" | "u32";
  /** Bindings after the graph's `indptr`: [name, operand] read as arrays of units. */
  operands: readonly (readonly [string, number])[];
  name: string;
  summary: string;
  /** Statements for work item (i, c), given `first`/`last` (i's in-edges), `f` (units per row), the unit type and whether it is a vec4. */
  body(f: string, T: string, vector: boolean): string;
}

function rowWalk(inputs: readonly Type[], w: RowWalk): KernelSpec {
  refuseInPlace(w.node, w.options);
  const g = graphOperand(w.node, inputs);
  const symbols = w.options.symbols ?? {};
  // Operand 1's rows (edge or looped-edge values) set the unit width: vec4s when they split into them.
  const row = product(tensorOperand(w.node, inputs, 1).shape.slice(1));
  const lanes = lanesFor([row], symbols);
  const T = unitType(w.scalar, lanes);
  const sizes = new SizeTable(symbols);
  const n = sizes.add("n", g.nodes, "runtime");
  const f = addDivisor(sizes, "f", inUnits(row, lanes, symbols), symbols);
  const list = new BindingList().add("indptr", "read", "array<i32>", { kind: "graph", input: 0, array: "indptr" });
  for (const [name, input] of w.operands) list.add(name, "read", `array<${T}>`, { kind: "input", input });
  const bindings = list.add("out", "read_write", `array<${T}>`, { kind: "output" }).finish(sizes);
  const body = `let i = q / ${f};
let c = q % ${f};
let first = u32(indptr[i]);
let last = u32(indptr[i + 1u]);
${w.body(f, T, lanes === 4)}`;
  return flatKernel({
    node: w.node,
    name: w.options.name ?? `${w.name}${lanes === 4 ? "_v4" : ""}`,
    summary: w.summary,
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(w.node, w.options),
    units: `(${n} * ${f})`,
    unitsOf: (s) => s.n * s.f,
    body,
    perInvocation: 1,
  });
}

/**
 * WGSL finding, per lane, the first maximum of `value` (an expression of the loop index `k`) for
 * k in [first, last): `top` holds it (0 for an empty range) and `best` its k — a strict `>`, as the
 * interpreter's. Then, with `mask`, 1 at each lane's best k of `out`'s rows and 0 at the others.
 */
export function firstMaximum(k: string, value: string, T: string, vector: boolean, mask?: { f: string }): string {
  const U = vector ? "vec4<u32>" : "u32";
  const better = vector ? `(v > top) | vec4<bool>(${k} == first)` : `${k} == first || v > top`;
  const find = `var top = ${T}(0);
var best = ${U}(first);
for (var ${k} = first; ${k} < last; ${k} = ${k} + 1u) {
  let v = ${value};
  let better = ${better};
  top = select(top, v, better);
  best = select(best, ${U}(${k}), better);
}`;
  if (!mask) return find;
  return `${find}
for (var ${k} = first; ${k} < last; ${k} = ${k} + 1u) {
  out[${k} * ${mask.f} + c] = select(${T}(0), ${T}(1), best == ${U}(${k}));
}`;
}

/** `g.scatter_max` (the maximum itself) and `g.scatter_max_mask` (where it is). */
function emitMax(node: Node, inputs: readonly Type[], options: EmitOptions, mask: boolean): KernelSpec {
  return rowWalk(inputs, {
    node,
    options,
    scalar: arithmeticScalar(node, tensorOperand(node, inputs, 1).dtype),
    operands: [["y", 1]],
    name: mask ? "g_scatter_max_mask" : "g_scatter_max",
    summary: mask ? "1 on each node's first arg-max in-edge per channel, else 0" : "max of edge rows over each node's in-edges (0 without any)",
    body: (f, T, vector) => (mask ? firstMaximum("e", `y[e * ${f} + c]`, T, vector, { f }) : `${firstMaximum("e", `y[e * ${f} + c]`, T, vector)}\nout[q] = top;`),
  });
}

export function emitScatterMax(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitMax(node, inputs, options, false);
}

export function emitScatterMaxMask(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return emitMax(node, inputs, options, true);
}

export function emitAppendLoops(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  checkWords(node, tensorOperand(node, inputs, 1).dtype);
  return rowWalk(inputs, {
    node,
    options,
    scalar: "u32",
    operands: [["y", 1], ["loops", 2]],
    name: "g_append_loops",
    summary: "edge values with each row's self-loop value appended",
    body: (f) => `for (var e = first; e < last; e = e + 1u) {
  out[(e + i) * ${f} + c] = y[e * ${f} + c];
}
out[(last + i) * ${f} + c] = loops[q];`,
  });
}

export function emitLoopPart(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  checkWords(node, tensorOperand(node, inputs, 1).dtype);
  const loops = node.attrs.part === "loops";
  return rowWalk(inputs, {
    node,
    options,
    scalar: "u32",
    operands: [["y", 1]],
    name: `g_loop_part_${loops ? "loops" : "edges"}`,
    summary: loops ? "the self-loop values of a looped graph's edges" : "the values of a looped graph's original edges",
    body: (f) =>
      loops
        ? `out[q] = y[(last + i) * ${f} + c];`
        : `for (var e = first; e < last; e = e + 1u) {
  out[e * ${f} + c] = y[(e + i) * ${f} + c];
}`,
  });
}
