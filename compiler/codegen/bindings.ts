import type { BindingAccess, BindingSource, KernelBinding } from "./kernel.js";
import type { SizeTable } from "./wgsl.js";

/** Numbers bindings in the order a kernel declares them, and adds the sizes uniform last when needed. */
export class BindingList {
  private readonly list: KernelBinding[] = [];

  add(name: string, access: BindingAccess, wgslType: string, source: BindingSource): this {
    this.list.push({ binding: this.list.length, name, access, wgslType, source });
    return this;
  }

  /** Storage bindings so far (the sizes uniform comes last, in finish). */
  get storage(): number {
    return this.list.filter((b) => b.access !== "uniform").length;
  }

  /** The bindings, with the `sizes` uniform appended when some size is symbolic. */
  finish(sizes: SizeTable): KernelBinding[] {
    if (sizes.uniforms.length > 0) this.add("sizes", "uniform", "Sizes", { kind: "sizes" });
    return this.list;
  }
}
