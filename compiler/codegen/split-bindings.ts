import type { KernelBinding, KernelSpec } from "./kernel.js";
import { bindingDecl } from "./wgsl.js";

/**
 * A kernel whose large storage bindings are split into parts: WebGPU binds at most
 * `maxStorageBufferBindingSize` bytes of a buffer per binding (128 MiB by default), and WGSL has no
 * arrays of bindings, so a tensor over that is bound as several consecutive ranges of its buffer
 * (`x_0`, `x_1`, …) and every access `x[i]` goes through an accessor that picks the part:
 * `x_at(i)` to read, `x_put(i, v)` to write. Works for every kernel unchanged, because kernels
 * touch storage only as `name[index]` reads and `name[index] = value;` stores (checked here: any
 * other use is refused). Only the split bindings pay the part selection.
 */

/** How one storage binding is split: parts of `partElements` elements (the last holds the rest). */
export interface BindingParts {
  /** Index into the kernel's `bindings`. */
  binding: number;
  parts: number;
  partElements: number;
}

/** Bytes of one element of a binding's `array<T>` store type. */
export function elementBytes(wgslType: string): number {
  const element = /^array<(.+)>$/.exec(wgslType)?.[1];
  switch (element) {
    case "f32":
    case "i32":
    case "u32":
      return 4;
    case "vec2<f32>":
    case "vec2<i32>":
    case "vec2<u32>":
      return 8;
    case "vec4<f32>":
    case "vec4<i32>":
    case "vec4<u32>":
      return 16;
    default:
      throw new Error(`a binding of type ${wgslType} cannot be split into parts`);
  }
}

function elementType(wgslType: string): string {
  return /^array<(.+)>$/.exec(wgslType)![1];
}

/** The kernel with the given bindings split; the others keep their order, renumbered after the parts. */
export function splitBindings(kernel: KernelSpec, splits: readonly BindingParts[]): KernelSpec {
  if (splits.length === 0) return kernel;
  const byBinding = new Map(splits.map((s) => [s.binding, s]));
  const bindings: KernelBinding[] = [];
  kernel.bindings.forEach((b, k) => {
    const split = byBinding.get(k);
    if (!split) {
      bindings.push({ ...b, binding: bindings.length });
      return;
    }
    if (b.access === "uniform") throw new Error(`kernel ${kernel.name}: the uniform ${b.name} cannot be split`);
    const bytes = split.partElements * elementBytes(b.wgslType);
    for (let part = 0; part < split.parts; part++) {
      bindings.push({ ...b, binding: bindings.length, name: `${b.name}_${part}`, part: { index: part, bytes } });
    }
  });
  const declarations = kernel.bindings.map(bindingDecl).join("\n");
  if (!kernel.wgsl.includes(declarations)) throw new Error(`kernel ${kernel.name}: its bindings are not declared as one block`);
  const [head, body] = kernel.wgsl.split(declarations);
  const names = new Map(splits.map((s) => [kernel.bindings[s.binding].name, s]));
  const accessors = splits.map((s) => accessorText(kernel.bindings[s.binding], s));
  const wgsl = `${head}${bindings.map(bindingDecl).join("\n")}\n\n${accessors.join("\n")}${rewriteFunctions(body, names, kernel.name)}`;
  return { ...kernel, name: `${kernel.name}_split`, wgsl, bindings };
}

/** `x_at(i)` (and, for a writable binding, `x_put(i, v)`): the part holding element i. */
function accessorText(b: KernelBinding, s: BindingParts): string {
  const type = elementType(b.wgslType);
  const at = (part: number) => `${b.name}_${part}[i${part > 0 ? ` - ${part * s.partElements}u` : ""}]`;
  const read: string[] = [`fn ${b.name}_at(i: u32) -> ${type} {`];
  const write: string[] = [`fn ${b.name}_put(i: u32, v: ${type}) {`];
  for (let part = 0; part < s.parts - 1; part++) {
    read.push(`  if (i < ${(part + 1) * s.partElements}u) {`, `    return ${at(part)};`, "  }");
    write.push(`  if (i < ${(part + 1) * s.partElements}u) {`, `    ${at(part)} = v;`, "    return;", "  }");
  }
  read.push(`  return ${at(s.parts - 1)};`, "}", "");
  write.push(`  ${at(s.parts - 1)} = v;`, "}", "");
  return [...read, ...(b.access === "read_write" ? write : [])].join("\n");
}

const IDENTIFIER = /[A-Za-z0-9_]/;

/** The index of the bracket closing the one at `open` (brackets and parentheses nest). */
function closing(text: string, open: number, kernel: string): number {
  let depth = 0;
  for (let k = open; k < text.length; k++) {
    const c = text[k];
    if (c === "[" || c === "(") depth++;
    else if (c === "]" || c === ")") {
      depth--;
      if (depth === 0) return k;
    }
  }
  throw new Error(`kernel ${kernel}: unbalanced brackets`);
}

/**
 * Rewrite each function (from one top-level `fn` to the next) on its own: in a function with a
 * parameter or local of a split binding's name, that name is the function's own, left alone.
 */
function rewriteFunctions(text: string, names: ReadonlyMap<string, BindingParts>, kernel: string): string {
  return text
    .split(/(?=^fn )/m)
    .map((chunk) => {
      const signature = chunk.startsWith("fn ") ? chunk.slice(0, closing(chunk, chunk.indexOf("("), kernel) + 1) : "";
      const own = [...names.keys()].filter((name) => new RegExp(`[(,]\\s*${name}\\s*:`).test(signature) || new RegExp(`\\b(let|var|const)\\s+${name}\\b`).test(chunk));
      const global = new Map([...names].filter(([name]) => !own.includes(name)));
      return global.size ? rewriteAccesses(chunk, global, kernel) : chunk;
    })
    .join("");
}

/** Every `name[index]` of a split binding as a call of its accessor; `name[index] = value;` as a store. */
function rewriteAccesses(text: string, names: ReadonlyMap<string, BindingParts>, kernel: string): string {
  let out = "";
  let k = 0;
  while (k < text.length) {
    if (text.startsWith("//", k)) {
      const end = text.indexOf("\n", k);
      const stop = end < 0 ? text.length : end;
      out += text.slice(k, stop);
      k = stop;
      continue;
    }
    if (!IDENTIFIER.test(text[k]) || (k > 0 && (IDENTIFIER.test(text[k - 1]) || text[k - 1] === "."))) {
      out += text[k++];
      continue;
    }
    let end = k;
    while (end < text.length && IDENTIFIER.test(text[end])) end++;
    const word = text.slice(k, end);
    if (!names.has(word)) {
      out += word;
      k = end;
      continue;
    }
    let open = end;
    while (text[open] === " ") open++;
    if (text[open] !== "[") throw new Error(`kernel ${kernel}: binding ${word} is used other than by indexing, so it cannot be split`);
    const close = closing(text, open, kernel);
    const index = `u32(${rewriteAccesses(text.slice(open + 1, close), names, kernel)})`;
    const rest = text.slice(close + 1, close + 8);
    if (/^\s*[-+*/%&|^]=/.test(rest)) throw new Error(`kernel ${kernel}: a compound assignment to ${word} cannot be split`);
    const assign = /^\s*=(?!=)/.exec(rest);
    if (assign) {
      const from = close + 1 + assign[0].length;
      const semicolon = text.indexOf(";", from);
      if (semicolon < 0) throw new Error(`kernel ${kernel}: a store to ${word} has no end`);
      out += `${word}_put(${index}, ${rewriteAccesses(text.slice(from, semicolon), names, kernel).trim()});`;
      k = semicolon + 1;
    } else {
      out += `${word}_at(${index})`;
      k = close + 1;
    }
  }
  return out;
}
