import { dimMul, evalDim } from "../ir/dims.js";
import type { Node, TensorType, Type } from "../ir/types.js";
import { BindingList } from "./bindings.js";
import { broadcastIndices } from "./broadcast-index.js";
import { CodegenError, tensorResult, workgroupSizeOf, type EmitOptions, type KernelEmitter } from "./emit-context.js";
import { fusedBody, type FusedDropout } from "./fused-body.js";
import { assembleKernel } from "./assemble.js";
import { LINEAR_WORKGROUP, gridFor, groupsFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { PHILOX_WGSL } from "./philox.js";
import { SizeTable, VEC4_LANES, wgslScalar } from "./wgsl.js";
import { MAX_STORAGE_BUFFERS } from "./kernel.js";
import { dropoutConstants } from "./rng.js";

/**
 * The kernel of `t.fused`: flat over the output like the elementwise kernels — each invocation
 * takes `PER_INVOCATION` units (vec4s, or scalars), strided by the workgroup size so neighbouring
 * invocations touch neighbouring memory — reading each tensor operand through its broadcast index
 * and evaluating the region's function (fused-body.ts) per element. vec4 applies when the
 * innermost broadcast axis is a multiple of 4, so each vec4 of the output lies in one row of every
 * operand. Dropout masks come from Philox exactly as the dropout kernel draws them: one block per
 * four consecutive elements, kept iff the top 24 bits of the lane's word reach ⌈p·2²⁴⌉.
 */

const PER_INVOCATION = 4;

/** Statements drawing dropout j's mask for the unit: a vec4 for four lanes, else the scalar of element e. */
export function maskLines(d: FusedDropout, j: number, lanes: number): string[] {
  const { threshold: t, scale } = dropoutConstants(d.p);
  const threshold = `${t}u`;
  const key = `vec2<u32>(p${d.rng}[0], p${d.rng}[1])`;
  if (lanes === 4) {
    return [
      `let w${j} = gnnc_philox(vec4<u32>(q, 0u, 0u, 0u), ${key});`,
      `let m${j} = select(vec4<f32>(0.0), vec4<f32>(${scale}), (w${j} >> vec4<u32>(8u)) >= vec4<u32>(${threshold}));`,
    ];
  }
  return [
    `let w${j} = gnnc_philox(vec4<u32>(e / 4u, 0u, 0u, 0u), ${key})[e % 4u];`,
    `let m${j} = select(0.0, ${scale}, (w${j} >> 8u) >= ${threshold});`,
  ];
}

export function emitFused(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const region = node.regions?.[0];
  if (!region) throw new CodegenError(node.op, "has no region", node.span);
  const out = tensorResult(node);
  const scalar = wgslScalar(out.dtype);
  if (!scalar) throw new CodegenError(node.op, `dtype ${out.dtype} has no GPU kernel yet`, node.span);
  if (inputs.length + 1 > MAX_STORAGE_BUFFERS) {
    throw new CodegenError(node.op, `${inputs.length} operands and the output exceed the ${MAX_STORAGE_BUFFERS} storage buffers of one kernel`, node.span);
  }
  inputs.forEach((t, k) => {
    if (t.kind !== "tensor" && t.kind !== "rng") throw new CodegenError(node.op, `operand ${k} must be a tensor or an rng key`, node.span);
  });
  const body = fusedBody(node, region, scalar);
  const wg = workgroupSizeOf(node, options);
  const sizes = new SizeTable(options.symbols);
  const total = sizes.add("total", out.shape.reduce((n, d) => dimMul(n, d), 1));
  const tensors = body.tensorArgs;
  const plan = broadcastIndices(
    out.shape,
    tensors.map((k) => (inputs[k] as TensorType).shape),
    tensors.map((k) => `p${k}i`),
    sizes,
  );
  const inner = plan.innermost === undefined ? undefined : evalDim(plan.innermost, options.symbols ?? {});
  const lanes = inner !== undefined && inner % 4 === 0 ? 4 : 1;
  const vec = `vec4<${scalar}>`;
  const packed = (t: number) => lanes === 4 && plan.contiguous[t];

  const list = new BindingList();
  inputs.forEach((t, k) => {
    const at = tensors.indexOf(k);
    const type = t.kind === "rng" ? "array<u32>" : `array<${packed(at) ? vec : scalar}>`;
    list.add(`p${k}`, "read", type, { kind: "input", input: k });
  });
  list.add("out", "read_write", `array<${lanes === 4 ? vec : scalar}>`, { kind: "output" });
  const bindings = list.finish(sizes);

  // One output unit q (a vec4 or a scalar) whose first element is e.
  const loads = tensors.map((k, at) => {
    if (lanes === 1) return `let p${k}v = p${k}[p${k}i];`;
    return packed(at) ? `let p${k}v = p${k}[p${k}i / 4u];` : `let p${k}v = ${vec}(p${k}[p${k}i]);`;
  });
  const masks = body.dropouts.flatMap((d, j) => maskLines(d, j, lanes));
  const call = (lane?: string) => {
    const args = [...tensors.map((k) => `p${k}v`), ...body.dropouts.map((_, j) => `m${j}`)];
    return `gnnc_fused(${args.map((a) => (lane ? `${a}.${lane}` : a)).join(", ")})`;
  };
  const value = lanes === 1 ? call() : `${vec}(${VEC4_LANES.map(call).join(", ")})`;
  const units = lanes === 4 ? `(${total} / 4u)` : total;
  const statements = [plan.code, ...loads, ...masks].filter((s) => s !== "").join("\n");
  const indent = (text: string) => text.split("\n").map((l) => `      ${l}`).join("\n");
  const main = `  let base = ${LINEAR_WORKGROUP} * ${wg * PER_INVOCATION}u + lid;
  for (var k = 0u; k < ${PER_INVOCATION}u; k = k + 1u) {
    let q = base + k * ${wg}u;
    if (q < ${units}) {
      let e = q * ${lanes}u;
${indent(statements)}
      out[q] = ${value};
    }
  }
`;
  const ops = region.body.map((n) => n.op).join(" · ");
  return assembleKernel(node, {
    name: options.name ?? `t_fused_${scalar}${lanes === 4 ? "_v4" : ""}`,
    summary: `${ops} over ${scalar}, ${inputs.length} operand(s)`,
    sizes,
    bindings,
    helpers: [...body.helpers, ...(body.dropouts.length ? [PHILOX_WGSL] : []), body.fn],
    body: main,
    workgroup: wg,
    dispatch: (s) => gridFor(groupsFor(Math.ceil(s.total / lanes), wg * PER_INVOCATION)),
  });
}

export const FUSED_EMITTERS: readonly [string, KernelEmitter][] = [["t.fused", emitFused]];
