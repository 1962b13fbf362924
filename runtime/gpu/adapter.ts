/// <reference types="@webgpu/types" />
import { backendRequest, loadDawn, nativeBackend, type GpuBackend } from "./dawn.js";
import { NoAdapterError } from "./errors.js";

/** Finding a WebGPU adapter: the native backend first, then OpenGL ES in compatibility mode. */

/** Limits the kernels and the memory plan depend on; requested at the adapter's maximum. */
export const LIMITS_THAT_MATTER = [
  "maxStorageBuffersPerShaderStage",
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupsPerDimension",
  "maxUniformBufferBindingSize",
  "minStorageBufferOffsetAlignment",
] as const satisfies readonly (keyof GPUSupportedLimits)[];

export type LimitName = (typeof LIMITS_THAT_MATTER)[number];

/** Optional features the kernels may use when present (requested when the adapter has them). */
export const USEFUL_FEATURES: readonly GPUFeatureName[] = ["shader-f16", "subgroups", "timestamp-query"];

/** What `gnnc info` shows and what a run records about the device. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  backend: GpuBackend;
  /** `core` WebGPU, or `compatibility` (OpenGL ES: fewer features and lower limits). */
  featureLevel: "core" | "compatibility";
  features: string[];
  limits: Record<LimitName, number>;
  /** The `webgpu` (dawn.node) package version. */
  webgpuVersion: string;
}

export interface FoundAdapter {
  adapter: GPUAdapter;
  summary: AdapterSummary;
}

export interface FindAdapterOptions {
  /**
   * Backends to try, in order. Default: `GNNC_GPU_BACKEND` (comma-separated) when set, else the
   * platform's native backend (Vulkan on Linux) then `opengles`.
   */
  backends?: readonly GpuBackend[];
}

const BACKENDS: readonly GpuBackend[] = ["vulkan", "metal", "d3d12", "opengles"];

export function defaultBackends(env: Readonly<Record<string, string | undefined>> = process.env): GpuBackend[] {
  const chosen = env.GNNC_GPU_BACKEND?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (chosen && chosen.length > 0) {
    const bad = chosen.filter((b) => !(BACKENDS as readonly string[]).includes(b));
    if (bad.length > 0) throw new Error(`GNNC_GPU_BACKEND: unknown backend ${bad.join(", ")} (known: ${BACKENDS.join(", ")})`);
    return chosen as GpuBackend[];
  }
  return [nativeBackend(), "opengles"];
}

function summarize(adapter: GPUAdapter, backend: GpuBackend, webgpuVersion: string): AdapterSummary {
  const info = adapter.info;
  const limits = {} as Record<LimitName, number>;
  for (const name of LIMITS_THAT_MATTER) limits[name] = adapter.limits[name];
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    backend,
    featureLevel: adapter.features.has("core-features-and-limits") ? "core" : "compatibility",
    features: [...adapter.features].map(String).sort(),
    limits,
    webgpuVersion,
  };
}

/** The first adapter any backend offers; NoAdapterError (with each backend's answer) when none does. */
export async function findAdapter(options: FindAdapterOptions = {}): Promise<FoundAdapter> {
  const backends = options.backends ?? defaultBackends();
  let dawn;
  try {
    dawn = await loadDawn();
  } catch (e) {
    throw new NoAdapterError([`the webgpu package could not be loaded: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const attempts: string[] = [];
  for (const backend of backends) {
    try {
      const { flags, adapter: request } = backendRequest(backend);
      const adapter = await dawn.create(flags).requestAdapter(request);
      if (adapter) return { adapter, summary: summarize(adapter, backend, dawn.version) };
      attempts.push(`${backend}: no adapter`);
    } catch (e) {
      attempts.push(`${backend}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new NoAdapterError(attempts);
}
