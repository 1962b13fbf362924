import type { Span } from "../../grammar/span.js";
import { evalDim } from "../ir/dims.js";
import type { Dim } from "../ir/types.js";
import type { KeptArray, PatternArray } from "./pattern.js";
import type { UpdateKernelDef } from "./update-kernel.js";

/**
 * A kernel: one complete WGSL compute module plus what a runtime needs to launch it — which
 * buffers go to which binding, the workgroup size, and how many workgroups a concrete problem size
 * needs. Pure data (bar `dispatch`): the compiler knows nothing of GPUs.
 */

/** WebGPU's default `maxStorageBuffersPerShaderStage`: every kernel's operands plus its output fit in it. */
export const MAX_STORAGE_BUFFERS = 8;

/** Where a binding's buffer comes from, relative to the IR node the kernel computes. */
export type BindingSource =
  /** The node's `input`-th operand (a tensor). */
  | { kind: "input"; input: number }
  /** One array of the graph that is the node's `input`-th operand. */
  | { kind: "graph"; input: number; array: "indptr" | "src" | "dst" }
  /**
   * One array of the by-source view of the graph that is the node's `input`-th operand, which the
   * executor computes on the host once per graph (`graphBySource` in graph-by-source.ts):
   * `indptr` [N+1] and `edges` [E], the edge ids sorted stably by source.
   */
  | { kind: "graph_by_src"; input: number; array: "indptr" | "edges" }
  /**
   * The nodes of the graph that is the node's `input`-th operand, most edges first — in-edges
   * (`by: "dst"`) or out-edges (`by: "src"`), ties in index order (`degreeOrder` in
   * graph-by-source.ts): row kernels visit rows in this order, so that neighbouring invocations,
   * which run in lockstep, loop about equally long. Computed on the host once per graph.
   */
  | { kind: "graph_order"; input: number; by: "dst" | "src" }
  /**
   * The zero pattern of the node's `input`-th operand, a mostly-zero matrix stored compactly (its
   * nonzero values in row order: input features, and dropout of them): the nonzero positions by
   * row (CSR `rowptr`/`cols`) or by column (CSC `colptr`/`rows`, and `perm`, each one's position
   * in row order), computed on the host from the data (pattern.ts).
   */
  | { kind: "pattern"; input: number; array: PatternArray }
  /**
   * The nonzero values of the node's `input`-th operand in column order (CSC), when that operand is
   * an input stored compactly: permuted on the host when the input is given, so that a kernel
   * walking columns reads them in order instead of through `perm`.
   */
  | { kind: "column_values"; input: number }
  /**
   * One array of the kept view of dropout of a compactly stored matrix: only the nonzeros the
   * mask kept, each row's (and each column's) packed at its start (pattern.ts `KEPT_ARRAYS`),
   * written by the dropout's launches on the GPU. Of the node's `input`-th operand, or, without
   * `input`, of the node's own result (the dropout kernel that writes it).
   */
  | { kind: "kept"; input?: number; array: KeptArray }
  /** The node's result. */
  | { kind: "output" }
  /**
   * A buffer of `bytes` bytes that the node's launches share, for what one launch leaves for the
   * next (a transposed operand, partial sums): allocated before the node's first launch and
   * freed after its last. `index` tells a node's scratch buffers apart.
   */
  | { kind: "scratch"; index: number; bytes: number }
  /** The uniform holding the kernel's symbolic sizes, in `KernelSpec.uniforms` order (u32 each). */
  | { kind: "sizes" };

export type BindingAccess = "read" | "read_write" | "uniform";

export interface KernelBinding {
  /** `@binding(n)` in `@group(0)`. */
  binding: number;
  /** The WGSL variable name. */
  name: string;
  access: BindingAccess;
  /** The WGSL store type, e.g. `array<vec4<f32>>` (vec4 arrays need byte sizes that are multiples of 16). */
  wgslType: string;
  source: BindingSource;
  /**
   * One part of a buffer split across bindings (split-bindings.ts): the range of `bytes` bytes
   * starting `index · bytes` into the source's buffer (the last part: to its end).
   */
  part?: { index: number; bytes: number };
}

/** Workgroup counts for `dispatchWorkgroups(x, y, z)`; each at most the per-dimension limit. */
export interface DispatchSize {
  x: number;
  y: number;
  z: number;
}

export interface KernelSpec {
  /** Stable name (labels the pipeline; errors name it). */
  name: string;
  /** The IR op it computes. */
  op: string;
  /** A complete WGSL module. Identical inputs to an emitter give byte-identical text. */
  wgsl: string;
  entryPoint: string;
  workgroupSize: readonly [number, number, number];
  bindings: readonly KernelBinding[];
  /**
   * Every size the kernel depends on, by name, as IR dims. Concrete ones are baked into the WGSL;
   * the symbolic ones are passed at run time through the `sizes` uniform (see `uniforms`).
   */
  sizes: Readonly<Record<string, Dim>>;
  /** Names of the sizes passed in the uniform, in struct order; empty when all are baked in. */
  uniforms: readonly string[];
  /** Workgroups to launch for the concrete sizes (all of `sizes`, resolved). */
  dispatch(sizes: Readonly<Record<string, number>>): DispatchSize;
  /** The `.gnn` text the kernel's IR came from. */
  spans: readonly Span[];
  /**
   * An elementwise optimizer update (update-kernel.ts): its definition, so that consecutive
   * updates can run as one launch (plan/merge-updates.ts). Its bindings are the definition's
   * tensors, then its scalars, then the output.
   */
  update?: { def: UpdateKernelDef; workgroup: number };
  /** What `wgsl` was assembled from (wgsl.ts kernelModule), so that independent launches can share one (merge-kernels.ts). */
  source?: KernelSource;
}

/**
 * A kernel module's parts: helper declarations and the entry point `main`, with `of` the module
 * text they made. A pass that rewrites `wgsl` (split-bindings.ts) leaves `of` behind, which is how
 * a stale source is told apart.
 */
export interface KernelSource {
  helpers: readonly string[];
  main: string;
  of: string;
}

/** Resolve a kernel's sizes against concrete symbol values; throws naming the first unbound one. */
export function resolveKernelSizes(kernel: KernelSpec, symbols: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, dim] of Object.entries(kernel.sizes)) {
    const v = evalDim(dim, symbols);
    if (v === undefined) throw new Error(`kernel ${kernel.name}: size ${name} = ${dim} is not bound to a value`);
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new Error(`kernel ${kernel.name}: size ${name} = ${dim} is ${v}, not a u32`);
    }
    out[name] = v;
  }
  return out;
}

/** The u32 words of a kernel's sizes uniform: whole vec4s, at least one (0 when it has none). */
export function uniformWords(kernel: KernelSpec): number {
  return kernel.uniforms.length ? Math.max(4, Math.ceil(kernel.uniforms.length / 4) * 4) : 0;
}

/** The `sizes` uniform's contents: one u32 per name in `uniforms`, padded to 16 bytes. */
export function packUniforms(kernel: KernelSpec, sizes: Readonly<Record<string, number>>): Uint32Array<ArrayBuffer> {
  const data = new Uint32Array(Math.max(4, uniformWords(kernel)));
  kernel.uniforms.forEach((name, k) => {
    data[k] = sizes[name];
  });
  return data;
}
