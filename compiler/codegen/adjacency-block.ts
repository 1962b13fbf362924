import type { Node, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import { graphOperand } from "./graph-edge.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { refuseInPlace } from "./words.js";

/**
 * `g.adjacency_block`: one entry of A[idx, idx] per work item, found by scanning the edges of row
 * idx[i] (CSR by destination) for source idx[j]. An index out of range — which the interpreter
 * rejects — gives a row of zeros.
 */
export function emitAdjacencyBlock(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  const g = graphOperand(node, inputs);
  const idx = tensorOperand(node, inputs, 1);
  const sizes = new SizeTable(options.symbols);
  const m = sizes.add("m", idx.shape[0], "runtime");
  const n = sizes.add("n", g.nodes, "runtime");
  const bindings = new BindingList()
    .add("indptr", "read", "array<i32>", { kind: "graph", input: 0, array: "indptr" })
    .add("src", "read", "array<i32>", { kind: "graph", input: 0, array: "src" })
    .add("index", "read", "array<u32>", { kind: "input", input: 1 })
    .add("out", "read_write", "array<f32>", { kind: "output" })
    .finish(sizes);
  const body = `let row = index[q / ${m}];
let col = i32(index[q % ${m}]);
var found = 0.0;
if (row < ${n}) {
  for (var e = indptr[row]; e < indptr[row + 1u]; e = e + 1) {
    if (src[e] == col) { found = 1.0; break; }
  }
}
out[q] = found;`;
  return flatKernel({
    node,
    name: options.name ?? "g_adjacency_block",
    summary: "A[idx, idx]: 1 where an edge idx[j] → idx[i] exists",
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${m} * ${m})`,
    unitsOf: (s) => s.m * s.m,
    body,
    perInvocation: 1,
  });
}
