import { intAttr } from "../ir/attrs.js";
import type { Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, DEFAULT_WORKGROUP, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";

/**
 * `sp.pattern{nnz}(m)`: a mask's CSR and CSC positions in one i32 array (layout in
 * compiler/ir/ops/sparse-matmul.ts), as three launches writing the one output:
 *  1. count: one invocation per row and per column writes its non-zero count after its pointer
 *     slot (rowptr[r + 1], colptr[c + 1]);
 *  2. scan: one invocation turns the counts into pointers and zeroes the unused capacity;
 *  3. fill: one invocation per row writes its column indices, one per column its row indices,
 *     in ascending order.
 * A mask with more non-zeros than `nnz` is a caller's error (the interpreter throws); the kernel
 * then stores only what fits.
 */

type Phase = "count" | "scan" | "fill";

function phaseKernel(node: Node, inputs: readonly Type[], options: EmitOptions, phase: Phase): KernelSpec {
  const m = tensorOperand(node, inputs, 0);
  const out = tensorResult(node);
  if (m.dtype !== "f32" || m.shape.length !== 2 || out.dtype !== "i32") throw new CodegenError(node.op, "needs an f32 matrix and gives i32", node.span);
  const wg = options.workgroupSize ?? DEFAULT_WORKGROUP;
  const sizes = new SizeTable(options.symbols);
  const rows = sizes.add("rows", m.shape[0], "runtime");
  const cols = sizes.add("cols", m.shape[1], "runtime");
  const nnz = sizes.add("nnz", intAttr(node.attrs, "nnz"), "runtime");
  const list = new BindingList();
  if (phase !== "scan") list.add("m", "read", "array<f32>", { kind: "input", input: 0 });
  const bindings = list.add("out", "read_write", "array<i32>", { kind: "output" }).finish(sizes);
  const colBase = `(${rows} + 1u + ${nnz})`;
  const rowsBase = `(${rows} + ${cols} + 2u + ${nnz})`;
  // Invocation t < rows handles row t; t − rows handles that column.
  const line = `  let t = ${LINEAR_WORKGROUP} * ${wg}u + lid;
  if (t >= ${rows} + ${cols}) {
    return;
  }
  let isRow = t < ${rows};
  let r = t;
  let c = t - ${rows};
`;
  let body: string;
  if (phase === "count") {
    body = `${line}  var n = 0i;
  if (isRow) {
    for (var j = 0u; j < ${cols}; j = j + 1u) {
      n = n + select(0i, 1i, m[r * ${cols} + j] != 0.0);
    }
    out[r + 1u] = n;
  } else {
    for (var i = 0u; i < ${rows}; i = i + 1u) {
      n = n + select(0i, 1i, m[i * ${cols} + c] != 0.0);
    }
    out[${colBase} + c + 1u] = n;
  }
`;
  } else if (phase === "scan") {
    body = `  if (lid != 0u || ${LINEAR_WORKGROUP} != 0u) {
    return;
  }
  var sum = 0i;
  out[0] = 0i;
  for (var r = 1u; r <= ${rows}; r = r + 1u) {
    sum = sum + out[r];
    out[r] = sum;
  }
  for (var q = u32(min(sum, i32(${nnz}))); q < ${nnz}; q = q + 1u) {
    out[${rows} + 1u + q] = 0i;
  }
  sum = 0i;
  out[${colBase}] = 0i;
  for (var c = 1u; c <= ${cols}; c = c + 1u) {
    sum = sum + out[${colBase} + c];
    out[${colBase} + c] = sum;
  }
  for (var q = u32(min(sum, i32(${nnz}))); q < ${nnz}; q = q + 1u) {
    out[${rowsBase} + q] = 0i;
  }
`;
  } else {
    body = `${line}  if (isRow) {
    var q = u32(out[r]);
    for (var j = 0u; j < ${cols}; j = j + 1u) {
      if (m[r * ${cols} + j] != 0.0 && q < ${nnz}) {
        out[${rows} + 1u + q] = i32(j);
        q = q + 1u;
      }
    }
  } else {
    var q = u32(out[${colBase} + c]);
    for (var i = 0u; i < ${rows}; i = i + 1u) {
      if (m[i * ${cols} + c] != 0.0 && q < ${nnz}) {
        out[${rowsBase} + q] = i32(i);
        q = q + 1u;
      }
    }
  }
`;
  }
  return assembleKernel(node, {
    name: options.name ?? `sp_pattern_${phase}`,
    summary: `sp.pattern, ${phase === "count" ? "non-zeros per row and column" : phase === "scan" ? "counts to pointers" : "positions per row and column"}`,
    sizes,
    bindings,
    body,
    workgroup: phase === "scan" ? 1 : wg,
    dispatch: (s) => (phase === "scan" ? { x: 1, y: 1, z: 1 } : gridFor(groupsFor(s.rows + s.cols, wg))),
  });
}

export function patternLaunches(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec[] {
  return (["count", "scan", "fill"] as const).map((phase) => phaseKernel(node, inputs, options, phase));
}

/** The single-kernel entry point refuses: the pattern takes three launches (emitLaunches). */
export function emitPattern(node: Node): KernelSpec {
  throw new CodegenError(node.op, "sp.pattern runs as three launches (patternLaunches via emitLaunches)", node.span);
}
