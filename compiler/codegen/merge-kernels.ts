import type { Dim } from "../ir/types.js";
import { ENTRY_PARAMS, LINEAR_WORKGROUP, gridFor } from "./grid.js";
import type { KernelBinding, KernelSpec } from "./kernel.js";
import { bindingDecl } from "./wgsl.js";

/**
 * Several independent launches as one dispatch: each workgroup runs one of them. On lavapipe a
 * launch costs tens of µs whatever it does, and a launch of one or a few workgroups leaves the
 * other cores idle; side by side, a small launch runs while a larger one does.
 *
 * The parts' workgroups are interleaved evenly over the merged grid, not laid out one part after
 * another: merged part after part, Cora SAGE's weight gradient over dropped features and a
 * division took 2.6–3.3 ms on lavapipe where the two apart took 1.6 ms; interleaved, 1.7 ms (its
 * thread pool hands out workgroups in runs, and a synthetic launch with its heavy workgroups
 * first ran 7–10% slower than with them spread). Part k's entry point becomes a function
 * `p<k>_main` that sees the workgroup id and count it would have seen alone (its grid must be
 * one-dimensional at these sizes, so its linear workgroup index is `wid.x`). Its module-scope
 * names (bindings, helper functions, workgroup variables) get the prefix `p<k>_`, and its sizes
 * become fields `p<k>_<size>` of one `sizes` uniform, which also holds the parts' workgroup
 * counts: the text does not depend on the sizes a kernel takes at run time, so batches of
 * different sizes share one pipeline. Helpers that are the same text in several parts and name nothing of
 * their part (the Philox generator) are declared once.
 *
 * Contract: the caller (plan/merge-launches.ts) merges launches that neither write a buffer
 * another reads or writes, with one workgroup size, whose workgroup memory adds up to at most
 * WORKGROUP_STORAGE_BYTES.
 */

/** One launch of a merge: its kernel and resolved sizes. */
export interface LaunchPart {
  kernel: KernelSpec;
  sizes: Readonly<Record<string, number>>;
}

/** The entry point every part must start with (assembled kernels' `main`). */
function entryHeader(workgroup: number): string {
  return `@compute @workgroup_size(${workgroup})\nfn main(${ENTRY_PARAMS}) {`;
}

/** Whether a launch can be a part of a merge: its module's parts are known and intact, and its grid is one row. */
export function mergeablePart(part: LaunchPart): boolean {
  const { kernel } = part;
  const [wg, y, z] = kernel.workgroupSize;
  if (!kernel.source || kernel.source.of !== kernel.wgsl || y !== 1 || z !== 1) return false;
  if (!kernel.source.main.startsWith(entryHeader(wg))) return false;
  if (kernel.bindings.some((b) => b.part)) return false;
  const grid = kernel.dispatch(part.sizes);
  return grid.y === 1 && grid.z === 1;
}

/** `maxComputeWorkgroupStorageSize` that every WebGPU device supports: merged parts share it. */
export const WORKGROUP_STORAGE_BYTES = 16_384;

/**
 * Bytes of workgroup memory a kernel declares (every part's variables are declared in the merged
 * module, so they add up); Infinity when a declaration's type is not one this reads.
 */
export function workgroupBytes(kernel: KernelSpec): number {
  let total = 0;
  for (const h of kernel.source?.helpers ?? []) {
    for (const m of h.matchAll(/var<workgroup>\s+\w+\s*:\s*([^;]+);/g)) total += typeBytes(m[1].trim());
  }
  return total;
}

function typeBytes(type: string): number {
  if (/^(f32|u32|i32|atomic<u32>|atomic<i32>)$/.test(type)) return 4;
  const vec = /^vec([234])<(f32|u32|i32)>$/.exec(type);
  if (vec) return vec[1] === "3" ? 16 : 4 * Number(vec[1]);
  const array = /^array<(.+),\s*(\d+)u?>$/.exec(type);
  if (array) return typeBytes(array[1].trim()) * Number(array[2]);
  return Infinity;
}

/** Names a helper declares at module scope (and locals: renaming those too is harmless). */
function declaredNames(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:fn|const|struct|alias|override)\s+([A-Za-z_]\w*)|\bvar(?:<[^>]*>)?\s+([A-Za-z_]\w*)/g)) out.push(m[1] ?? m[2]);
  return out;
}

/** Identifiers in `text` that are not member accesses. */
const IDENTIFIER = /(?<![\w.])[A-Za-z_]\w*/g;

function identifiers(text: string): Set<string> {
  return new Set(text.match(IDENTIFIER) ?? []);
}

/** `text` with every identifier in `names` (not a member access) prefixed, and `sizes.f` made `sizes.<prefix>f`. */
function prefixed(text: string, names: ReadonlySet<string>, prefix: string): string {
  return text.replace(/(?<![\w.])sizes\.(\w+)/g, `sizes.${prefix}$1`).replace(IDENTIFIER, (id) => (names.has(id) ? prefix + id : id));
}

/**
 * The kernel of `parts` launched as one, and the sizes of that launch. Throws when a part is not
 * mergeable or the workgroup sizes differ (the caller checks both first).
 */
export function mergedKernel(parts: readonly LaunchPart[]): { kernel: KernelSpec; sizes: Record<string, number> } {
  if (parts.length < 2) throw new Error("a merged launch has at least two parts");
  const wg = parts[0].kernel.workgroupSize[0];
  for (const p of parts) {
    if (!mergeablePart(p) || p.kernel.workgroupSize[0] !== wg) throw new Error(`kernel ${p.kernel.name} cannot share a launch`);
  }
  // Helpers declared once: the same text in another part, naming nothing of its own part.
  const helperCount = new Map<string, number>();
  for (const p of parts) for (const h of new Set(p.kernel.source!.helpers)) helperCount.set(h, (helperCount.get(h) ?? 0) + 1);
  const isShared = (p: LaunchPart, h: string) => {
    if ((helperCount.get(h) ?? 0) < 2) return false;
    const used = identifiers(h);
    return !used.has("sizes") && !p.kernel.bindings.some((b) => used.has(b.name));
  };
  let shared = [...helperCount.keys()].filter((h) => parts.every((p) => !p.kernel.source!.helpers.includes(h) || isShared(p, h)));
  // Nor may it call what a part declares for itself (that is renamed): drop such until none is left.
  for (let changed = true; changed; ) {
    const own = new Set(parts.flatMap((p) => p.kernel.source!.helpers.filter((h) => !shared.includes(h)).flatMap(declaredNames)));
    const kept = shared.filter((h) => ![...identifiers(h)].some((id) => own.has(id) && !declaredNames(h).includes(id)));
    changed = kept.length !== shared.length;
    shared = kept;
  }

  const sizes: Record<string, Dim> = {};
  const values: Record<string, number> = {};
  const fields: string[] = [];
  const bindings: KernelBinding[] = [];
  const helpers: string[] = [...shared];
  const functions: string[] = [];
  const counts: number[] = [];
  for (const [k, part] of parts.entries()) {
    const { kernel } = part;
    const prefix = `p${k}_`;
    const own = kernel.source!.helpers.filter((h) => !shared.includes(h));
    const names = new Set([...kernel.bindings.filter((b) => b.source.kind !== "sizes").map((b) => b.name), ...own.flatMap(declaredNames), "main"]);
    for (const b of kernel.bindings) {
      if (b.source.kind === "sizes") continue;
      bindings.push({ binding: bindings.length, name: prefix + b.name, access: b.access, wgslType: b.wgslType, source: { kind: "input", input: bindings.length } });
    }
    for (const [name, dim] of Object.entries(kernel.sizes)) {
      sizes[prefix + name] = dim;
      values[prefix + name] = part.sizes[name];
    }
    fields.push(...kernel.uniforms.map((u) => prefix + u));
    helpers.push(...own.map((h) => prefixed(h, names, prefix)));
    const main = kernel.source!.main.replace(entryHeader(wg), "fn main(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) {");
    functions.push(prefixed(main, names, prefix));
    counts.push(kernel.dispatch(part.sizes).x);
  }
  // Workgroup r of what is left from part k on (`rest` of them) is part k's when the even spread of
  // its `count` over the rest steps at r: floor((r+1)·count/rest) > floor(r·count/rest), and then it
  // is that part's workgroup floor(r·count/rest); else the next parts' r − that.
  const branches: string[] = [];
  let rest = counts.reduce((a, b) => a + b, 0);
  for (const [k, count] of counts.entries()) {
    for (const [field, value] of [[`gnnc_count${k}`, count], [`gnnc_rest${k}`, rest]] as const) {
      sizes[field] = value;
      values[field] = value;
      fields.push(field);
    }
    const call = (index: string) => `p${k}_main(vec3<u32>(${index}, 0u, 0u), vec3<u32>(sizes.gnnc_count${k}, 1u, 1u), lid);`;
    if (k === counts.length - 1) {
      branches.push(`  if (r < sizes.gnnc_count${k}) {\n    ${call("r")}\n  }`);
      break;
    }
    branches.push(
      `  let before${k} = r * sizes.gnnc_count${k} / sizes.gnnc_rest${k};\n` +
        `  if ((r + 1u) * sizes.gnnc_count${k} / sizes.gnnc_rest${k} > before${k}) {\n    ${call(`before${k}`)}\n    return;\n  }\n` +
        `  r = r - before${k};`,
    );
    rest -= count;
  }
  bindings.push({ binding: bindings.length, name: "sizes", access: "uniform", wgslType: "Sizes", source: { kind: "sizes" } });
  const names = parts.map((p) => p.kernel.name);
  const name = names.join("+");
  const struct = `struct Sizes {\n${fields.map((f) => `  ${f}: u32,\n`).join("")}}\n`;
  const entry = `@compute @workgroup_size(${wg})\nfn main(${ENTRY_PARAMS}) {\n  var r = ${LINEAR_WORKGROUP};\n${branches.join("\n")}\n}\n`;
  const wgsl = [
    `// gnnc kernel ${name}: ${parts.length} independent launches in one dispatch, each workgroup running one of them\n`,
    struct,
    bindings.map(bindingDecl).join("\n") + "\n",
    ...helpers,
    ...functions,
    entry,
  ].join("\n");
  const kernel: KernelSpec = {
    name,
    op: parts[0].kernel.op,
    wgsl,
    entryPoint: "main",
    workgroupSize: [wg, 1, 1],
    bindings,
    sizes,
    uniforms: fields,
    dispatch: (s) => gridFor(s.gnnc_rest0),
    spans: parts.flatMap((p) => p.kernel.spans),
  };
  return { kernel, sizes: values };
}
