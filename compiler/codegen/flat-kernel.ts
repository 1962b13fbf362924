import type { Node } from "../ir/types.js";
import { spansOf } from "./emit-context.js";
import { ENTRY_PARAMS, LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelBinding, KernelSpec } from "./kernel.js";
import { kernelModule, type SizeTable } from "./wgsl.js";

/**
 * The skeleton of a kernel over a flat range of independent work items (a vec4 or a scalar of the
 * output, an edge, …): each invocation takes `PER_INVOCATION` items strided by the workgroup size,
 * so neighbouring invocations touch neighbouring memory (the layout elementwise.ts measured as the
 * fastest on lavapipe).
 */

const PER_INVOCATION = 4;

export interface FlatKernelParts {
  node: Node;
  name: string;
  summary: string;
  sizes: SizeTable;
  /** Finished bindings (sizes uniform included). */
  bindings: readonly KernelBinding[];
  workgroupSize: number;
  /** WGSL u32 expression of the number of work items. */
  units: string;
  /** The number of work items, from the kernel's resolved sizes. */
  unitsOf: (sizes: Readonly<Record<string, number>>) => number;
  /** Statements computing work item `q` (a u32 below `units`). */
  body: string;
  helpers?: readonly string[];
  /** Work items per invocation (default 4; 1 for items that loop over many elements). */
  perInvocation?: number;
}

/** Indent every line of `text` by `spaces`. */
export function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((l) => (l === "" ? l : pad + l))
    .join("\n");
}

export function flatKernel(p: FlatKernelParts): KernelSpec {
  const wg = p.workgroupSize;
  const per = p.perInvocation ?? PER_INVOCATION;
  const main = `@compute @workgroup_size(${wg})
fn main(${ENTRY_PARAMS}) {
  let q0 = ${LINEAR_WORKGROUP} * ${wg * per}u + lid;
  for (var step = 0u; step < ${per}u; step = step + 1u) {
    let q = q0 + step * ${wg}u;
    if (q < ${p.units}) {
${indent(p.body, 6)}
    }
  }
}
`;
  return {
    name: p.name,
    op: p.node.op,
    ...kernelModule({ name: p.name, summary: p.summary, sizes: p.sizes, bindings: p.bindings, helpers: p.helpers, body: main }),
    entryPoint: "main",
    workgroupSize: [wg, 1, 1],
    bindings: p.bindings,
    sizes: p.sizes.all,
    uniforms: p.sizes.uniforms,
    dispatch: (s) => gridFor(groupsFor(p.unitsOf(s), wg * per)),
    spans: spansOf(p.node),
  };
}
