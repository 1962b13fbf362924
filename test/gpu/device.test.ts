import { describe, expect, it } from "vitest";
import type { KernelSpec } from "../../compiler/codegen/index.js";
import type { Span } from "../../grammar/span.js";
import { GpuDeviceLostError, GpuKernelError, NoAdapterError, defaultBackends, findAdapter } from "../../runtime/gpu/index.js";
import { useGpu } from "./helpers.js";

// The Dawn device wrapper: adapter and limits, errors attributed to kernels and .gnn spans, the
// pipeline cache, and the no-adapter message.
const gpu = useGpu();

const SPAN: Span = { file: "model.gnn", start: { offset: 100, line: 12, column: 9 }, end: { offset: 110, line: 12, column: 19 } };

/** A hand-written kernel: out[i] = in[i] * 2 over 8 elements. */
function doubler(name: string, wgsl?: string): KernelSpec {
  return {
    name,
    op: "t.mul",
    wgsl:
      wgsl ??
      `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(8)
fn main(@builtin(local_invocation_index) i: u32) {
  out[i] = a[i] * 2.0;
}
`,
    entryPoint: "main",
    workgroupSize: [8, 1, 1],
    bindings: [
      { binding: 0, name: "a", access: "read", wgslType: "array<f32>", source: { kind: "input", input: 0 } },
      { binding: 1, name: "out", access: "read_write", wgslType: "array<f32>", source: { kind: "output" } },
    ],
    sizes: {},
    uniforms: [],
    dispatch: () => ({ x: 1, y: 1, z: 1 }),
    spans: [SPAN],
  };
}

describe("GpuDevice", () => {
  it("describes its adapter and requests the limits that matter at the adapter's maximum", (ctx) => {
    const g = gpu(ctx);
    expect(["vulkan", "metal", "d3d12", "opengles"]).toContain(g.adapter.backend);
    expect(g.adapter.device.length + g.adapter.description.length).toBeGreaterThan(0);
    expect(g.adapter.webgpuVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(g.limits.maxStorageBuffersPerShaderStage).toBe(g.adapter.limits.maxStorageBuffersPerShaderStage);
    expect(g.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    expect(g.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65_535);
  });

  it("uploads, runs a kernel and reads back", async (ctx) => {
    const g = gpu(ctx);
    const a = g.upload(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const out = g.createBuffer(32);
    await g.run(doubler("double"), [a, out], {});
    expect(Array.from(new Float32Array(await g.read(out, 32)))).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    a.destroy();
    out.destroy();
  });

  it("reads back through reused staging: each read sees its buffer as it is then, reads in flight at once each their own", async (ctx) => {
    const g = gpu(ctx);
    const [a, b] = [g.upload(Float32Array.from([1, 2, 3])), g.upload(Float32Array.from([4, 5, 6, 7, 8]))];
    const floats = async (p: Promise<ArrayBuffer>) => Array.from(new Float32Array(await p));
    expect(await floats(g.read(a, 12))).toEqual([1, 2, 3]);
    g.device.queue.writeBuffer(a, 0, Float32Array.from([9, 9, 9]));
    // The first read's staging serves this one (same size class): it must hold the new values.
    expect(await floats(g.read(a, 12))).toEqual([9, 9, 9]);
    // Two reads of one size class at once, then a shorter read through a buffer a longer one used.
    const [x, y] = await Promise.all([floats(g.read(a, 12)), floats(g.read(b, 20))]);
    expect([x, y]).toEqual([[9, 9, 9], [4, 5, 6, 7, 8]]);
    expect(await floats(g.read(b, 8, 4))).toEqual([5, 6]);
    a.destroy();
    b.destroy();
  });

  it("compiles each distinct WGSL text once, however many kernels share it", async (ctx) => {
    const g = gpu(ctx);
    const before = g.pipelineCount;
    const [p1, p2] = await Promise.all([g.pipeline(doubler("double_a")), g.pipeline(doubler("double_b"))]);
    expect(p1).toBe(p2);
    await g.compile([doubler("double_c"), doubler("other", doubler("x").wgsl.replace("2.0", "3.0"))]);
    expect(g.pipelineCount - before).toBeLessThanOrEqual(2);
  });

  it("reports a WGSL compilation error with the kernel, its .gnn location and the offending line", async (ctx) => {
    const bad = doubler("broken_kernel", "fn main( {}\n");
    const error = await gpu(ctx).pipeline(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuKernelError);
    const e = error as GpuKernelError;
    expect(e.kind).toBe("compilation");
    expect(e.kernel).toBe("broken_kernel");
    expect(e.spans).toEqual([SPAN]);
    expect(e.message).toMatch(/^GPU compilation error in kernel `broken_kernel` \(from model\.gnn:12:9\): error at WGSL 1:\d+: /);
    expect(e.message).toContain("| fn main( {}");
  });

  it("reports a validation error of a launch against the kernel", async (ctx) => {
    const g = gpu(ctx);
    // A buffer that cannot be bound as storage.
    const notStorage = g.device.createBuffer({ size: 32, usage: GPUBufferUsage.COPY_DST });
    const out = g.createBuffer(32);
    const error = await g.run(doubler("double_v"), [notStorage, out], {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuKernelError);
    expect((error as GpuKernelError).kind).toBe("validation");
    expect((error as GpuKernelError).message).toMatch(/^GPU validation error in kernel `double_v` \(from model\.gnn:12:9\): /);
    notStorage.destroy();
    out.destroy();
  });

  it("attributes uncaptured errors to the kernel whose label Dawn quotes", async (ctx) => {
    const g = gpu(ctx);
    const kernel = doubler("double_u");
    const pipeline = await g.pipeline(kernel);
    // Outside any error scope: one binding is missing.
    g.device.createBindGroup({ label: kernel.name, layout: pipeline.getBindGroupLayout(0), entries: [] });
    await g.device.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 20));
    let thrown: unknown;
    try {
      g.checkErrors();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GpuKernelError);
    expect((thrown as GpuKernelError).kernel).toBe("double_u");
    expect(() => g.checkErrors()).not.toThrow(); // reported once
  });

  it("refuses to work once destroyed (last test: the file's device is gone after it)", (ctx) => {
    const g = gpu(ctx);
    g.destroy();
    expect(() => g.createBuffer(16)).toThrow(GpuDeviceLostError);
    g.destroy(); // twice is fine
  });
});

describe("no adapter", () => {
  it("says how to install lavapipe and offers --device reference", async () => {
    const error = await findAdapter({ backends: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoAdapterError);
    expect((error as Error).message).toMatch(/npm run setup/);
    expect((error as Error).message).toMatch(/--device reference/);
  });

  it("reads the backends to try from GNNC_GPU_BACKEND", () => {
    expect(defaultBackends({ GNNC_GPU_BACKEND: "opengles" })).toEqual(["opengles"]);
    expect(defaultBackends({ GNNC_GPU_BACKEND: "vulkan, opengles" })).toEqual(["vulkan", "opengles"]);
    expect(() => defaultBackends({ GNNC_GPU_BACKEND: "cuda" })).toThrow(/unknown backend cuda/);
    expect(defaultBackends({}).at(-1)).toBe("opengles");
  });
});
