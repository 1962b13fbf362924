import { formatLocation, type Span } from "../../grammar/span.js";

/** Errors of the WebGPU device, each saying what to do or where in the `.gnn` file it came from. */

/** What to run when no adapter is found; shared by the error and by `gnnc info`. */
export const INSTALL_HINT =
  "install the software Vulkan driver (Mesa lavapipe) with `npm run setup` (Debian/Ubuntu; on Debian 12 " +
  "it comes from bookworm-backports), or train on the CPU with `--device reference`";

/** No WebGPU adapter on any backend tried. `attempts` says what each backend answered. */
export class NoAdapterError extends Error {
  constructor(readonly attempts: readonly string[]) {
    super(`no WebGPU adapter found (${attempts.join("; ")}): ${INSTALL_HINT}`);
    this.name = "NoAdapterError";
  }
}

export type GpuErrorKind = "compilation" | "pipeline" | "validation" | "out-of-memory" | "internal";

/**
 * A shader compilation, pipeline, validation or memory error, attributed to the kernel that caused
 * it (when known) and, through the kernel's spans, to the `.gnn` text its IR came from.
 */
export class GpuKernelError extends Error {
  constructor(
    readonly kind: GpuErrorKind,
    readonly kernel: string | undefined,
    readonly detail: string,
    readonly spans: readonly Span[] = [],
  ) {
    const where = kernel ? ` in kernel \`${kernel}\`${spans.length > 0 ? ` (from ${formatLocation(spans[0])})` : ""}` : "";
    super(`GPU ${kind} error${where}: ${detail}`);
    this.name = "GpuKernelError";
  }
}

/** The device was lost (driver reset, out of memory, destroyed elsewhere); it cannot be used again. */
export class GpuDeviceLostError extends Error {
  constructor(readonly reason: string) {
    super(`the WebGPU device was lost: ${reason}`);
    this.name = "GpuDeviceLostError";
  }
}

/**
 * Tensors over a device limit that splitting across bindings cannot fit, found before anything is
 * allocated: such a model trains on the reference device only.
 */
export class GpuLimitError extends Error {
  constructor(
    readonly limit: string,
    readonly tensors: readonly string[],
  ) {
    super(`this GPU allows at most ${limit}, and ${tensors.length === 1 ? "this tensor needs" : "these tensors need"} more:\n${tensors.map((t) => `    ${t}`).join("\n")}`);
    this.name = "GpuLimitError";
  }
}
