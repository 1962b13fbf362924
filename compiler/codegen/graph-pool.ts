import { dimAttr, stringAttr } from "../ir/attrs.js";
import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import { firstMaximum } from "./graph-segment.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, arithmeticScalar, checkWords, inUnits, lanesFor, product, refuseInPlace, unitType } from "./words.js";

/**
 * Readouts over a sorted batch vector (graph id per node): `g.pool` and `g.pool_max_mask` take one
 * work item per (graph, unit of channels), which finds its graph's nodes by binary search in the
 * batch vector and walks them in order, as the interpreter does; `g.unpool` copies each graph's
 * row onto its nodes, one work item per unit of the result.
 */

/**
 * `nodes_from(b)`: the first node whose graph id is ≥ b (the batch vector is sorted). The node
 * count comes from the sizes, not arrayLength: a buffer may be longer than its tensor.
 */
const nodesFrom = (n: string) => `fn nodes_from(b: i32) -> u32 {
  var lo = 0u;
  var hi = ${n};
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (batch[mid] < b) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  return lo;
}
`;

function perGraph(node: Node, inputs: readonly Type[], options: EmitOptions, name: string, summary: string, body: (f: string, T: string, vector: boolean) => string): KernelSpec {
  refuseInPlace(node, options);
  const x = tensorOperand(node, inputs, 0);
  const scalar = arithmeticScalar(node, x.dtype);
  const symbols = options.symbols ?? {};
  const row = product(x.shape.slice(1));
  const lanes = lanesFor([row], symbols);
  const T = unitType(scalar, lanes);
  const sizes = new SizeTable(symbols);
  const graphs = sizes.add("b", dimAttr(node.attrs, "graphs"), "runtime");
  const n = sizes.add("n", x.shape[0], "runtime");
  const f = addDivisor(sizes, "f", inUnits(row, lanes, symbols), symbols);
  const bindings = new BindingList()
    .add("x", "read", `array<${T}>`, { kind: "input", input: 0 })
    .add("batch", "read", "array<i32>", { kind: "input", input: 1 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(sizes);
  return flatKernel({
    node,
    name: options.name ?? `${name}${lanes === 4 ? "_v4" : ""}`,
    summary,
    sizes,
    bindings,
    helpers: [nodesFrom(n)],
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${graphs} * ${f})`,
    unitsOf: (s) => s.b * s.f,
    body: `let c = q % ${f};
let first = nodes_from(i32(q / ${f}));
let last = nodes_from(i32(q / ${f}) + 1);
${body(f, T, lanes === 4)}`,
    perInvocation: 1,
  });
}

export function emitPool(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const reduce = stringAttr(node.attrs, "reduce");
  const combine = reduce === "max" ? "select(max(acc, v), v, n == first)" : "acc + v";
  return perGraph(node, inputs, options, `g_pool_${reduce}`, `${reduce} of each graph's node rows (0 for a graph without nodes)`, (f, T) => `var acc = ${T}(0);
for (var n = first; n < last; n = n + 1u) {
  let v = x[n * ${f} + c];
  acc = ${combine};
}
${reduce === "mean" ? `if (last > first) {\n  acc = acc / ${T}(f32(last - first));\n}\n` : ""}out[q] = acc;`);
}

export function emitPoolMaxMask(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  return perGraph(node, inputs, options, "g_pool_max_mask", "1 on each graph's first arg-max node per channel, else 0", (f, T, vector) =>
    firstMaximum("n", `x[n * ${f} + c]`, T, vector, { f }),
  );
}

export function emitUnpool(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const y = tensorOperand(node, inputs, 0);
  const batch = tensorOperand(node, inputs, 1);
  checkWords(node, y.dtype);
  const symbols = options.symbols ?? {};
  const row = product(y.shape.slice(1));
  const lanes = lanesFor([row], symbols);
  const T = unitType("u32", lanes);
  const sizes = new SizeTable(symbols);
  const n = sizes.add("n", batch.shape[0], "runtime");
  const f = addDivisor(sizes, "f", inUnits(row, lanes, symbols), symbols);
  const bindings = new BindingList()
    .add("y", "read", `array<${T}>`, { kind: "input", input: 0 })
    .add("batch", "read", "array<i32>", { kind: "input", input: 1 })
    .add("out", "read_write", `array<${T}>`, { kind: "output" })
    .finish(sizes);
  return flatKernel({
    node,
    name: options.name ?? `g_unpool${lanes === 4 ? "_v4" : ""}`,
    summary: "out[n] = y[batch[n]]",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${n} * ${f})`,
    unitsOf: (s) => s.n * s.f,
    body: `out[q] = y[u32(batch[q / ${f}]) * ${f} + q % ${f}];`,
  });
}
