import { intAttr } from "../ir/attrs.js";
import { dimMul } from "../ir/dims.js";
import type { Dim, Node, Type } from "../ir/types.js";
import { assembleKernel } from "./assemble.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, tensorResult, type EmitOptions } from "./emit-context.js";
import { LINEAR_WORKGROUP, gridFor } from "./grid.js";
import type { KernelSpec } from "./kernel.js";
import { PHILOX_WGSL } from "./philox.js";
import { SizeTable } from "./wgsl.js";

/**
 * The selections of sparse weights (`sp.drop`, `sp.grow`, `sp.topk`), exactly the rule of
 * compiler/ir/ops/sparse-select.ts: per slice (a layer of a stacked weight), the K eligible
 * positions of largest |score| (the f32 bits of |score| as a u32), ties to the lower index.
 *
 * One workgroup of 256 invocations per slice, no floats compared, every count an integer:
 *  1. the eligible positions are counted (a workgroup atomic) and K computed from the op's count
 *     rule, in f32 as the interpreter computes it;
 *  2. a radix select finds the K-th largest key, 8 bits per pass over 4 passes: each pass builds
 *     a 256-bin histogram (workgroup atomics) of the keys that share the bits found so far, and one
 *     invocation walks it from the top to the bin holding the K-th key;
 *  3. keys above it are selected, and of the keys equal to it the first remaining-K by index:
 *     each invocation counts the ties in its contiguous chunk, one invocation turns the counts
 *     into offsets, and each chunk takes its ties in order.
 * The selections run at topology steps only (every ΔT steps), so a workgroup per matrix is plenty.
 */

const WORKGROUP = 256;

interface Variant {
  /** WGSL: `fn gnnc_key(k: u32) -> u32` (the rank key of flat position k) and `fn gnnc_eligible(k: u32) -> bool`. */
  helpers: string;
  /** WGSL expression of K before clamping, given `eligible` (the slice's eligible count). */
  count: string;
  /** WGSL statement writing out[k] given `sel` (selected) for flat position k. */
  write: string;
  bindings: BindingList;
}

/** |x| as ranking bits: the sign bit cleared (NaN ranks above ∞, as in the interpreter). */
const MAGNITUDE = (array: string) => `bitcast<u32>(${array}[k]) & 0x7fffffffu`;

function variant(node: Node, inputs: readonly Type[], sizes: SizeTable): Variant {
  const list = new BindingList();
  if (node.op === "sp.drop") {
    list.add("x", "read", "array<f32>", { kind: "input", input: 0 }).add("m", "read", "array<f32>", { kind: "input", input: 1 });
    const hasFrac = inputs.length > 2;
    if (hasFrac) list.add("frac", "read", "array<f32>", { kind: "input", input: 2 });
    const keep = sizes.add("keep", intAttr(node.attrs, "keep"), "runtime");
    const scale = intAttr(node.attrs, "scale");
    // keep + floor(f32(scale · frac)): one f32 multiply, as the interpreter rounds it.
    const term = hasFrac && scale !== 0 ? ` + i32(floor(f32(${scale}) * frac[0]))` : "";
    return {
      helpers: `fn gnnc_key(k: u32) -> u32 {\n  return ${MAGNITUDE("x")};\n}\n\nfn gnnc_eligible(k: u32) -> bool {\n  return m[k] != 0.0;\n}\n`,
      count: `i32(${keep})${term}`,
      write: "out[k] = select(0.0, 1.0, sel);",
      bindings: list,
    };
  }
  if (node.op === "sp.grow") {
    list.add("m", "read", "array<f32>", { kind: "input", input: 0 });
    const random = inputs[1]?.kind === "rng";
    list.add(random ? "rng" : "score", "read", random ? "array<u32>" : "array<f32>", { kind: "input", input: 1 });
    const total = sizes.add("total", intAttr(node.attrs, "total"), "runtime");
    // Random scores: uniform(key, k) as compiler/ir/rng.ts draws it (the top 24 bits of Philox word k % 4 of block k / 4).
    const key = random
      ? "let u = f32(gnnc_philox(vec4<u32>(k / 4u, 0u, 0u, 0u), vec2<u32>(rng[0], rng[1]))[k % 4u] >> 8u) / 16777216.0;\n  return bitcast<u32>(u);"
      : `return ${MAGNITUDE("score")};`;
    return {
      helpers: `${random ? PHILOX_WGSL + "\n" : ""}fn gnnc_key(k: u32) -> u32 {\n  ${key}\n}\n\nfn gnnc_eligible(k: u32) -> bool {\n  return m[k] == 0.0;\n}\n`,
      // The slice ends with `total` active positions: the eligible (inactive) ones are size − active.
      count: `i32(${total}) - (i32(size) - i32(eligible))`,
      write: "out[k] = select(select(0.0, 1.0, sel), 1.0, m[k] != 0.0);",
      bindings: list,
    };
  }
  if (node.op === "sp.topk") {
    list.add("x", "read", "array<f32>", { kind: "input", input: 0 });
    const keep = sizes.add("keep", intAttr(node.attrs, "keep"), "runtime");
    return {
      helpers: `fn gnnc_key(k: u32) -> u32 {\n  return ${MAGNITUDE("x")};\n}\n\nfn gnnc_eligible(k: u32) -> bool {\n  return true;\n}\n`,
      count: `i32(${keep})`,
      write: "out[k] = select(0.0, x[k], sel);",
      bindings: list,
    };
  }
  throw new CodegenError(node.op, "not a sparse selection op", node.span);
}

/** Slices (every dim but the last two) and elements per slice of a shape. */
function sliceDims(shape: readonly Dim[]): { slices: Dim; size: Dim } {
  if (shape.length < 2) return { slices: 1, size: shape.reduce<Dim>((a, d) => dimMul(a, d), 1) };
  return { slices: shape.slice(0, -2).reduce<Dim>((a, d) => dimMul(a, d), 1), size: dimMul(shape[shape.length - 2], shape[shape.length - 1]) };
}

export function emitSparseSelect(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  const x = tensorOperand(node, inputs, 0);
  const out = tensorResult(node);
  if (x.dtype !== "f32" || out.dtype !== "f32") throw new CodegenError(node.op, "only f32 has a kernel", node.span);
  const sizes = new SizeTable(options.symbols);
  const dims = sliceDims(out.shape);
  const slices = sizes.add("slices", dims.slices, "runtime");
  const size = sizes.add("size", dims.size, "runtime");
  const v = variant(node, inputs, sizes);
  const bindings = v.bindings.add("out", "read_write", "array<f32>", { kind: "output" }).finish(sizes);
  const body = `  let slice = ${LINEAR_WORKGROUP};
  if (slice >= ${slices}) {
    return;
  }
  let size = ${size};
  let base = slice * size;

  // 1. Eligible positions, and how many to select.
  if (lid == 0u) {
    atomicStore(&gnnc_counted, 0u);
  }
  workgroupBarrier();
  var mine = 0u;
  for (var j = lid; j < size; j = j + ${WORKGROUP}u) {
    if (gnnc_eligible(base + j)) {
      mine = mine + 1u;
    }
  }
  atomicAdd(&gnnc_counted, mine);
  workgroupBarrier();
  if (lid == 0u) {
    let eligible = atomicLoad(&gnnc_counted);
    gnnc_prefix = 0u;
    gnnc_rank = u32(clamp(${v.count}, 0i, i32(eligible)));
  }
  workgroupBarrier();

  // 2. The K-th largest key, 8 bits per pass.
  for (var round = 0u; round < 4u; round = round + 1u) {
    let shift = 24u - 8u * round;
    let high = select(0xffffffffu << (shift + 8u), 0u, round == 0u);
    atomicStore(&gnnc_hist[lid], 0u);
    workgroupBarrier();
    let prefix = gnnc_prefix;
    for (var j = lid; j < size; j = j + ${WORKGROUP}u) {
      let k = base + j;
      if (gnnc_eligible(k)) {
        let key = gnnc_key(k);
        if ((key & high) == prefix) {
          atomicAdd(&gnnc_hist[(key >> shift) & 255u], 1u);
        }
      }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var rank = gnnc_rank;
      var digit = 255u;
      loop {
        let c = atomicLoad(&gnnc_hist[digit]);
        if (c >= rank || digit == 0u) {
          break;
        }
        rank = rank - c;
        digit = digit - 1u;
      }
      gnnc_prefix = prefix | (digit << shift);
      gnnc_rank = rank;
    }
    workgroupBarrier();
  }

  // 3. Keys above the threshold, and the first \`rank\` keys equal to it by index.
  let threshold = gnnc_prefix;
  let ties = gnnc_rank;
  let chunk = (size + ${WORKGROUP - 1}u) / ${WORKGROUP}u;
  let start = min(lid * chunk, size);
  let end = min(start + chunk, size);
  var equal = 0u;
  for (var j = start; j < end; j = j + 1u) {
    if (gnnc_eligible(base + j) && gnnc_key(base + j) == threshold) {
      equal = equal + 1u;
    }
  }
  gnnc_before[lid] = equal;
  workgroupBarrier();
  if (lid == 0u) {
    var sum = 0u;
    for (var i = 0u; i < ${WORKGROUP}u; i = i + 1u) {
      let c = gnnc_before[i];
      gnnc_before[i] = sum;
      sum = sum + c;
    }
  }
  workgroupBarrier();
  var seen = gnnc_before[lid];
  for (var j = start; j < end; j = j + 1u) {
    let k = base + j;
    var sel = false;
    if (gnnc_eligible(k)) {
      let key = gnnc_key(k);
      if (key > threshold) {
        sel = true;
      } else if (key == threshold) {
        sel = seen < ties;
        seen = seen + 1u;
      }
    }
    ${v.write}
  }
`;
  const shared = `var<workgroup> gnnc_counted: atomic<u32>;
var<workgroup> gnnc_hist: array<atomic<u32>, 256>;
var<workgroup> gnnc_prefix: u32;
var<workgroup> gnnc_rank: u32;
var<workgroup> gnnc_before: array<u32, ${WORKGROUP}>;
`;
  const op = node.op.replace(".", "_");
  return assembleKernel(node, {
    name: options.name ?? `${op}${node.op === "sp.grow" && inputs[1]?.kind === "rng" ? "_random" : ""}`,
    summary: `${node.op}: per slice, the K eligible positions of largest |score| (radix select, ties to the lower index)`,
    sizes,
    bindings,
    helpers: [shared, v.helpers],
    body,
    workgroup: WORKGROUP,
    dispatch: (s) => gridFor(s.slices),
  });
}
