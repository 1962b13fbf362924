import type { Node } from "../ir/types.js";
import { spansOf } from "./emit-context.js";
import { ENTRY_PARAMS } from "./grid.js";
import type { DispatchSize, KernelBinding, KernelSpec } from "./kernel.js";
import { kernelModule, type SizeTable } from "./wgsl.js";

/** The parts of a one-dimensional kernel (`main`, `@workgroup_size(workgroup)`) that emitters differ in. */
export interface KernelParts {
  name: string;
  summary: string;
  sizes: SizeTable;
  bindings: readonly KernelBinding[];
  helpers?: readonly string[];
  /** The entry point's statements (indented by two spaces). */
  body: string;
  workgroup: number;
  dispatch(sizes: Readonly<Record<string, number>>): DispatchSize;
}

/** A complete KernelSpec from its parts; `main` takes grid.ts's ENTRY_PARAMS. */
export function assembleKernel(node: Node, parts: KernelParts): KernelSpec {
  const { name, summary, sizes, bindings, helpers, workgroup } = parts;
  const body = `@compute @workgroup_size(${workgroup})\nfn main(${ENTRY_PARAMS}) {\n${parts.body}}\n`;
  return {
    name,
    op: node.op,
    ...kernelModule({ name, summary, sizes, bindings, helpers, body }),
    entryPoint: "main",
    workgroupSize: [workgroup, 1, 1],
    bindings,
    sizes: sizes.all,
    uniforms: sizes.uniforms,
    dispatch: parts.dispatch,
    spans: spansOf(node),
  };
}
