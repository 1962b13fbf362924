import { describe, expect, it } from "vitest";
import type { KernelBinding, KernelSpec } from "../../compiler/codegen/kernel.js";
import { splitBindings } from "../../compiler/codegen/split-bindings.js";
import { moduleText, SizeTable } from "../../compiler/codegen/wgsl.js";
import { DEFAULT_BINDING_LIMITS, fitBindings, partsNeeded } from "../../compiler/plan/index.js";

/**
 * Splitting a kernel's bindings rewrites its WGSL text: the split binding's declaration becomes one
 * per part, reads become accessor calls and stores accessor calls with the value; everything else
 * (other bindings, comments, a helper's parameter of the same name) is left as it was. That the
 * split kernels compute exactly what the whole ones do is checked on the GPU
 * (test/gpu/binding-split.test.ts).
 */

const bindings: KernelBinding[] = [
  { binding: 0, name: "idx", access: "read", wgslType: "array<i32>", source: { kind: "input", input: 0 } },
  { binding: 1, name: "x", access: "read", wgslType: "array<vec4<f32>>", source: { kind: "input", input: 1 } },
  { binding: 2, name: "out", access: "read_write", wgslType: "array<f32>", source: { kind: "output" } },
];

const BODY = `fn scale(x: f32) -> f32 {
  return x * 2.0;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  // out[i] = x[idx[i]] — a comment, left alone
  let v = x[idx[i]];
  out[i] = scale(v.x) + out[i + 1u];
  out[ i ] = x[u32(idx[i])][2];
}
`;

const KERNEL: KernelSpec = {
  name: "k",
  op: "t.test",
  wgsl: moduleText({ name: "k", summary: "a test", sizes: new SizeTable(), bindings, body: BODY }),
  entryPoint: "main",
  workgroupSize: [64, 1, 1],
  bindings,
  sizes: {},
  uniforms: [],
  dispatch: () => ({ x: 1, y: 1, z: 1 }),
  spans: [],
};

describe("splitBindings", () => {
  const split = splitBindings(KERNEL, [
    { binding: 1, parts: 3, partElements: 256 },
    { binding: 2, parts: 2, partElements: 1024 },
  ]);

  it("declares one binding per part, renumbered, each with its byte range", () => {
    expect(split.bindings.map((b) => `${b.binding} ${b.name} ${b.part ? `${b.part.index}@${b.part.bytes}` : "whole"}`)).toEqual([
      "0 idx whole",
      "1 x_0 0@4096",
      "2 x_1 1@4096",
      "3 x_2 2@4096",
      "4 out_0 0@4096",
      "5 out_1 1@4096",
    ]);
    expect(split.wgsl).toContain("@group(0) @binding(3) var<storage, read> x_2: array<vec4<f32>>;");
    expect(split.wgsl).toContain("@group(0) @binding(5) var<storage, read_write> out_1: array<f32>;");
    expect(split.wgsl).not.toMatch(/var<storage, read> x:/);
  });

  it("reads and writes through accessors that pick the part", () => {
    expect(split.wgsl).toContain("fn x_at(i: u32) -> vec4<f32> {\n  if (i < 256u) {\n    return x_0[i];\n  }\n  if (i < 512u) {\n    return x_1[i - 256u];\n  }\n  return x_2[i - 512u];\n}");
    expect(split.wgsl).toContain("fn out_put(i: u32, v: f32) {\n  if (i < 1024u) {\n    out_0[i] = v;\n    return;\n  }\n  out_1[i - 1024u] = v;\n}");
    expect(split.wgsl).not.toContain("fn x_put"); // read-only
    expect(split.wgsl).toContain("let v = x_at(u32(idx[i]));");
    expect(split.wgsl).toContain("out_put(u32(i), scale(v.x) + out_at(u32(i + 1u)));");
    expect(split.wgsl).toContain("out_put(u32( i ), x_at(u32(u32(idx[i])))[2]);");
  });

  it("leaves comments and a function's own parameter of the same name alone", () => {
    expect(split.wgsl).toContain("// out[i] = x[idx[i]] — a comment, left alone");
    expect(split.wgsl).toContain("fn scale(x: f32) -> f32 {\n  return x * 2.0;\n}");
  });

  it("refuses uses it cannot rewrite", () => {
    const compound = { ...KERNEL, wgsl: KERNEL.wgsl.replace("out[ i ] = ", "out[i] += ") };
    expect(() => splitBindings(compound, [{ binding: 2, parts: 2, partElements: 4 }])).toThrow("a compound assignment to out cannot be split");
    const bare = { ...KERNEL, wgsl: KERNEL.wgsl.replace("let v = x[idx[i]];", "let n = arrayLength(&x);\n  let v = x[idx[i]];") };
    expect(() => splitBindings(bare, [{ binding: 1, parts: 2, partElements: 4 }])).toThrow("binding x is used other than by indexing");
  });
});

describe("fitBindings (compiler/plan)", () => {
  const limits = { ...DEFAULT_BINDING_LIMITS, maxBindingBytes: 4096 };

  it("splits only what is over the limit, in parts at aligned offsets", () => {
    // idx fits; x (10,000 bytes) takes 3 parts of 4096; out (4096 bytes) fits exactly.
    const fitted = fitBindings(KERNEL, [400, 10_000, 4096], limits);
    expect(fitted.parts).toEqual([1, 3, 1]);
    expect(fitted.kernel.bindings.filter((b) => b.part).map((b) => b.part!.index * b.part!.bytes)).toEqual([0, 4096, 8192]);
    expect(fitBindings(KERNEL, [400, 4000, 4096], limits).kernel).toBe(KERNEL);
  });

  it("leaves the kernel whole when its parts would take more storage bindings than allowed", () => {
    expect(partsNeeded(KERNEL, [400, 40_000, 4096], limits)).toEqual([1, 10, 1]);
    expect(fitBindings(KERNEL, [400, 40_000, 4096], limits).kernel).toBe(KERNEL); // 12 bindings > 8
    expect(fitBindings(KERNEL, [400, 40_000, 4096], { ...limits, maxStorageBindings: 12 }).kernel).not.toBe(KERNEL);
  });

  it("cannot split under a limit below the offset alignment", () => {
    expect(partsNeeded(KERNEL, [400, 10_000, 100], { ...limits, maxBindingBytes: 200 })).toEqual([Infinity, Infinity, 1]);
  });
});
