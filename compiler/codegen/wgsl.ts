import { evalDim } from "../ir/dims.js";
import type { Dim, DType } from "../ir/types.js";
import type { KernelBinding, KernelSource } from "./kernel.js";

/** Small pieces of WGSL text shared by the emitters. Everything here is deterministic. */

/**
 * A WGSL f32 literal for `v`: JavaScript's shortest round-trip decimal, always with a `.` or an
 * exponent so WGSL reads a float. WGSL has no way to write Inf or NaN as a constant (even a
 * bitcast is rejected), so those throw; callers refuse such attributes.
 */
/** The components of a vec4, in order. */
export const VEC4_LANES = ["x", "y", "z", "w"] as const;

export function f32Literal(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`WGSL has no f32 constant for ${v}`);
  if (Object.is(v, -0)) return "-0.0";
  const s = String(v);
  const text = /[.e]/.test(s) ? s : `${s}.0`;
  return v < 0 ? `(${text})` : text;
}

/** The WGSL scalar type a dtype is stored as; undefined where kernels do not support it yet. */
export function wgslScalar(dtype: DType): "f32" | "i32" | "u32" | undefined {
  switch (dtype) {
    case "f32":
    case "i32":
    case "u32":
      return dtype;
    default:
      return undefined; // f16 needs the shader-f16 feature; bool travels as u32 (not yet)
  }
}

/**
 * Whether a size known at compile time is baked into the WGSL (`bake`: compilers fold divisions
 * by it — worth it for per-element index arithmetic) or always passed at run time (`runtime`: for
 * sizes that only bound loops or grids, so one pipeline serves every size — pipeline compilation
 * is the expensive part on software Vulkan).
 */
export type SizeMode = "bake" | "runtime";

/**
 * The sizes a kernel depends on. Baked sizes are literals in the WGSL; the others are fields of a
 * `sizes` uniform filled at launch.
 */
export class SizeTable {
  private readonly dims: Record<string, Dim> = {};
  private readonly values = new Map<string, number>();
  private readonly baked = new Set<string>();
  private readonly fields: string[] = [];

  constructor(private readonly symbols: Readonly<Record<string, number>> = {}) {}

  /** Declare a size; returns the WGSL u32 expression that reads it. */
  add(name: string, dim: Dim, mode: SizeMode = "bake"): string {
    if (name in this.dims) throw new Error(`size ${name} declared twice`);
    this.dims[name] = dim;
    const value = evalDim(dim, this.symbols);
    if (value !== undefined) this.values.set(name, value);
    if (value !== undefined && mode === "bake") this.baked.add(name);
    else this.fields.push(name);
    return this.expr(name);
  }

  expr(name: string): string {
    if (this.baked.has(name)) return `${this.values.get(name)}u`;
    if (!this.fields.includes(name)) throw new Error(`size ${name} is not declared`);
    return `sizes.${name}`;
  }

  /** The size's value when known at compile time (baked in or not). */
  known(name: string): number | undefined {
    return this.values.get(name);
  }

  get all(): Readonly<Record<string, Dim>> {
    return this.dims;
  }

  get uniforms(): readonly string[] {
    return this.fields;
  }

  /** The uniform's struct declaration; empty when every size is baked in. */
  structText(): string {
    if (this.fields.length === 0) return "";
    return `struct Sizes {\n${this.fields.map((f) => `  ${f}: u32,\n`).join("")}}\n`;
  }
}

/** The `@group(0) @binding(n) var<…>` declaration of a binding. */
export function bindingDecl(b: KernelBinding): string {
  const space = b.access === "uniform" ? "uniform" : `storage, ${b.access}`;
  return `@group(0) @binding(${b.binding}) var<${space}> ${b.name}: ${b.wgslType};`;
}

/**
 * A kernel's module and what it was assembled from, for kernels that share a launch
 * (merge-kernels.ts rebuilds a module from its parts).
 */
export function kernelModule(parts: Parameters<typeof moduleText>[0]): { wgsl: string; source: KernelSource } {
  const wgsl = moduleText(parts);
  return { wgsl, source: { helpers: parts.helpers ?? [], main: parts.body, of: wgsl } };
}

/**
 * Assemble a module: a header comment naming the kernel, the sizes struct, the bindings, helper
 * functions and the entry point, separated by blank lines.
 */
export function moduleText(parts: {
  name: string;
  summary: string;
  sizes: SizeTable;
  bindings: readonly KernelBinding[];
  helpers?: readonly string[];
  body: string;
}): string {
  const header = `// gnnc kernel ${parts.name}: ${parts.summary}\n`;
  const decls = parts.bindings.map(bindingDecl).join("\n") + "\n";
  const sections = [header, parts.sizes.structText(), decls, ...(parts.helpers ?? []), parts.body].filter((s) => s !== "");
  return sections.join("\n");
}
