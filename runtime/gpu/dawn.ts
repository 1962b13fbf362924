/// <reference types="@webgpu/types" />
import { createRequire } from "node:module";
import { tmpdir } from "node:os";

/**
 * Loading Dawn (npm `webgpu`, dawn.node). Loaded on first use, not at import, so commands that
 * never touch the GPU do not pay for (or fail on) the native module.
 */

export type GpuBackend = "vulkan" | "metal" | "d3d12" | "opengles";

export interface Dawn {
  /** A navigator.gpu for the given dawn.node flags (`backend=vulkan`, …). */
  create(flags: string[]): GPU;
  /** The `webgpu` package's version. */
  version: string;
}

let loaded: Promise<Dawn> | undefined;

/**
 * Every GPU instance ever created. dawn.node schedules event processing on an instance from a
 * timer; if the instance is garbage-collected first, that callback touches freed memory and the
 * process aborts (seen as a worker crashing after its tests). Instances are few and small, so
 * they live as long as the process.
 */
const instances: GPU[] = [];

/** Import dawn.node once and install the WebGPU globals (GPUBufferUsage, …) it needs. */
export function loadDawn(): Promise<Dawn> {
  loaded ??= (async () => {
    // Dawn's Vulkan loader warns when XDG_RUNTIME_DIR is unset; any writable folder silences it.
    process.env.XDG_RUNTIME_DIR ??= tmpdir();
    const mod = await import("webgpu");
    Object.assign(globalThis, mod.globals);
    const create = (flags: string[]) => {
      const gpu = mod.create(flags);
      instances.push(gpu);
      return gpu;
    };
    return { create, version: webgpuPackageVersion() ?? "unknown" };
  })();
  return loaded;
}

/** The installed `webgpu` package's version, read without loading dawn.node; undefined if absent. */
export function webgpuPackageVersion(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url)("webgpu/package.json") as { version?: string };
    return pkg.version;
  } catch {
    return undefined;
  }
}

/** The backend Dawn uses natively on this platform. */
export function nativeBackend(): GpuBackend {
  if (process.platform === "darwin") return "metal";
  if (process.platform === "win32") return "d3d12";
  return "vulkan";
}

/** Dawn flags and adapter options for one backend. OpenGL ES runs headless in compatibility mode. */
export function backendRequest(backend: GpuBackend): { flags: string[]; adapter: GPURequestAdapterOptions } {
  if (backend === "opengles") {
    // EGL needs no display server on Mesa's surfaceless platform.
    process.env.EGL_PLATFORM ??= "surfaceless";
    return { flags: ["backend=opengles"], adapter: { featureLevel: "compatibility" } };
  }
  // Dawn rounds timestamps down to 2^16 ns unless told not to: kernel timing (kernel-timer.ts) wants them whole.
  return { flags: [`backend=${backend}`, "disable-dawn-features=timestamp_quantization"], adapter: {} };
}
