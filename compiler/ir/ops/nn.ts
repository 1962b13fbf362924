import { floatAttr } from "../attrs.js";
import { uniformFill } from "../rng.js";
import type { InferError, OpSpec, VjpArgs, VjpBuilder } from "../spec.js";
import { formatType } from "../type-utils.js";
import type { Attrs, Dim, TensorType, Type } from "../types.js";
import type { FloatPrecision, TensorValue, Value } from "../values.js";
import {
  alloc,
  asRng,
  asTensor,
  elementsOf,
  fail,
  floatTensorAt,
  numel,
  rngAt,
  scalarLike,
  scaleBy,
  streamingCost,
  tensorAt,
  tensorTypeOf,
} from "./common.js";

/** NN primitives: dropout (explicit rng), layer norm and batch norm. */

// ------------------------------------------------------------------ dropout

function checkP(attrs: Attrs): InferError | undefined {
  const p = floatAttr(attrs, "p");
  return p >= 0 && p <= 1 ? undefined : fail(`p must lie in [0, 1], got ${p}`);
}

/**
 * The dropout mask value of every element: element k is kept iff uniform(key, k) ≥ p, and kept
 * elements are scaled by fround(1/(1−p)) so that x·mask in f32 reproduces dropout(x) exactly.
 */
function dropoutMask(x: TensorValue, rng: Value | undefined, p: number): Float32Array {
  const u = new Float64Array(x.data.length);
  uniformFill(asRng(rng).key, u);
  const scale = Math.fround(1 / (1 - p));
  const mask = new Float32Array(u.length);
  for (let k = 0; k < u.length; k++) mask[k] = u[k] >= p ? scale : 0;
  return mask;
}

function dropoutSpec(name: string, returnMask: boolean): OpSpec {
  return {
    name,
    summary: returnMask
      ? "the dropout mask of x (0 or 1/(1−p)), drawn exactly as nn.dropout draws it"
      : "x·mask/(1−p) where element k survives iff uniform(rng, k) ≥ p",
    arity: 2,
    attrs: { p: { kind: "float", doc: "drop probability in [0, 1]" } },
    pure: true,
    infer(inputs, attrs) {
      const x = floatTensorAt(inputs, 0, "x");
      if ("error" in x) return x;
      return rngAt(inputs, 1) ?? checkP(attrs) ?? x;
    },
    interpret(inputs, attrs, ctx) {
      const x = asTensor(inputs[0], "x");
      const mask = dropoutMask(x, inputs[1], floatAttr(attrs, "p"));
      const out = alloc(x.dtype, x.shape, ctx.precision);
      if (returnMask) out.data.set(mask);
      else for (let k = 0; k < mask.length; k++) out.data[k] = x.data[k] * mask[k]; // exactly x·mask, signed zeros included
      return out;
    },
    // dropout: the cotangent through the same mask (same rng, same p), so recomputation is exact.
    // dropout_mask: the mask does not depend on x's values.
    ...(returnMask
      ? { nondifferentiable: true }
      : {
          vjp(b: VjpBuilder, { node, cotangent }: VjpArgs) {
            return [b.emit("nn.dropout", [cotangent, node.inputs[1]], { p: node.attrs.p }), undefined];
          },
        }),
    // FLOPs count floating-point work: x times its mask (the mask alone: none). Drawing the mask is
    // Philox's integer arithmetic, which costs time and bytes but no FLOPs.
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, returnMask ? 0 : elementsOf(output, symbols));
    },
  };
}

// ------------------------------------------------------------------ normalisation

/** Statistics recomputed in the backward: the centred input, 1/√(σ²+eps) and x̂ over `axes`. */
interface Standardized {
  centred: number;
  invStd: number;
  xhat: number;
}

function standardize(b: VjpBuilder, x: number, axes: number[], eps: number): Standardized {
  const mean = b.emit("t.mean", [x], { axes, keepdims: true });
  const centred = b.emit("t.sub", [x, mean]);
  const variance = b.emit("t.mean", [b.emit("t.mul", [centred, centred])], { axes, keepdims: true });
  const invStd = b.emit("t.rsqrt", [b.emit("t.add", [variance, scalarLike(b, eps, x)])]);
  return { centred, invStd, xhat: b.emit("t.mul", [centred, invStd]) };
}

/** dx of x̂ = (x − μ)/√(σ²+eps) over `axes`, given g = dL/dx̂: r·(g − mean(g) − x̂·mean(g·x̂)). */
function standardizeGrad(b: VjpBuilder, g: number, s: Standardized, axes: number[]): number {
  const meanG = b.emit("t.mean", [g], { axes, keepdims: true });
  const meanGx = b.emit("t.mean", [b.emit("t.mul", [g, s.xhat])], { axes, keepdims: true });
  const inner = b.emit("t.sub", [b.emit("t.sub", [g, meanG]), b.emit("t.mul", [s.xhat, meanGx])]);
  return b.emit("t.mul", [s.invStd, inner]);
}

/** Σ over every axis but the last (per-channel parameter gradients); x itself when rank 1. */
function sumPerChannel(b: VjpBuilder, x: number): number {
  const rank = tensorTypeOf(b, x).shape.length;
  if (rank === 1) return x;
  return b.emit("t.sum", [x], { axes: Array.from({ length: rank - 1 }, (_, k) => k), keepdims: false });
}

/** Gradients of the affine tail y = x̂·w + b: [dL/dx̂, dw, db] (w, b optional). */
function affineGrads(b: VjpBuilder, c: number, xhat: number, weight?: number, bias?: number): [number, number?, number?] {
  const gx = weight === undefined ? c : b.emit("t.mul", [c, weight]);
  const gw = weight === undefined ? undefined : sumPerChannel(b, b.emit("t.mul", [c, xhat]));
  const gb = bias === undefined ? undefined : sumPerChannel(b, c);
  return [gx, gw, gb];
}

/** Check that operand `i` is a per-channel vector `[C]` matching x's dtype. */
function channelVector(inputs: readonly Type[], i: number, role: string, x: TensorType, c: Dim): InferError | undefined {
  const t = tensorAt(inputs, i, role);
  if ("error" in t) return t;
  if (t.dtype !== x.dtype || t.shape.length !== 1 || t.shape[0] !== c) {
    return fail(`${role} must be ${x.dtype}[${c}] to match x ${formatType(x)}, got ${formatType(t)}`, [0, i]);
  }
  return undefined;
}

/** y = (x − mean[ch]) · invStd[ch] · w[ch] + b[ch] where the stat index is chosen per element by `stat`. */
function affine(
  x: TensorValue,
  stat: (e: number) => number,
  mean: ArrayLike<number>,
  invStd: ArrayLike<number>,
  weight: TensorValue | undefined,
  bias: TensorValue | undefined,
  precision: FloatPrecision | undefined,
): TensorValue {
  const c = x.shape[x.shape.length - 1] ?? 1;
  const out = alloc(x.dtype, x.shape, precision);
  for (let e = 0; e < x.data.length; e++) {
    const s = stat(e);
    const ch = e % c;
    let y = (x.data[e] - mean[s]) * invStd[s];
    if (weight) y *= weight.data[ch];
    if (bias) y += bias.data[ch];
    out.data[e] = y;
  }
  return out;
}

/**
 * Graph mode: x̂ = (x − μ)/(σ + eps) over every element, σ the biased standard deviation. With
 * g = dL/dx̂, s = σ + eps and M elements: dx = (g − mean g)/s − (x − μ)·mean(g·(x − μ))/(s²·σ).
 */
function layerNormGraphGrad(
  b: VjpBuilder,
  x: number,
  c: number,
  axes: number[],
  eps: number,
  weight?: number,
  bias?: number,
): (number | undefined)[] {
  const mean = b.emit("t.mean", [x], { axes, keepdims: true });
  const centred = b.emit("t.sub", [x, mean]);
  const sigma = b.emit("t.sqrt", [b.emit("t.mean", [b.emit("t.mul", [centred, centred])], { axes, keepdims: true })]);
  const s = b.emit("t.add", [sigma, scalarLike(b, eps, x)]);
  const xhat = b.emit("t.div", [centred, s]);
  const [g, gw, gb] = affineGrads(b, c, xhat, weight, bias);
  const first = b.emit("t.div", [b.emit("t.sub", [g, b.emit("t.mean", [g], { axes, keepdims: true })]), s]);
  const meanGc = b.emit("t.mean", [b.emit("t.mul", [g, centred])], { axes, keepdims: true });
  const denom = b.emit("t.mul", [b.emit("t.mul", [s, s]), sigma]);
  const second = b.emit("t.mul", [centred, b.emit("t.div", [meanGc, denom])]);
  const grads = [b.emit("t.sub", [first, second]), gw, gb];
  return grads.slice(0, 1 + (weight === undefined ? 0 : 1) + (bias === undefined ? 0 : 1));
}

const layerNorm: OpSpec = {
  name: "nn.layer_norm",
  summary:
    "node: per row over the last axis, (x−μ)/√(σ²+eps); graph: over every element, (x−μ)/(σ+eps) (PyG, one graph); then ·weight + bias",
  arity: [1, 3],
  attrs: {
    eps: { kind: "float", default: 1e-5 },
    mode: { kind: "string", default: "node", oneOf: ["node", "graph"] },
  },
  pure: true,
  infer(inputs) {
    const x = floatTensorAt(inputs, 0, "x");
    if ("error" in x) return x;
    if (x.shape.length === 0) return fail(`nn.layer_norm needs at least one axis, got ${formatType(x)}`, [0]);
    const c = x.shape[x.shape.length - 1];
    if (inputs.length > 1) {
      const bad = channelVector(inputs, 1, "weight", x, c);
      if (bad) return bad;
    }
    if (inputs.length > 2) {
      const bad = channelVector(inputs, 2, "bias", x, c);
      if (bad) return bad;
    }
    return x;
  },
  interpret(inputs, attrs, ctx) {
    const x = asTensor(inputs[0], "x");
    const weight = inputs[1] ? asTensor(inputs[1], "weight") : undefined;
    const bias = inputs[2] ? asTensor(inputs[2], "bias") : undefined;
    const eps = floatAttr(attrs, "eps");
    const c = x.shape[x.shape.length - 1];
    if (attrs.mode === "graph") {
      let sum = 0;
      for (const v of x.data) sum += v;
      const mean = sum / x.data.length;
      let sq = 0;
      for (const v of x.data) sq += (v - mean) * (v - mean);
      const std = Math.sqrt(sq / x.data.length);
      return affine(x, () => 0, [mean], [1 / (std + eps)], weight, bias, ctx.precision);
    }
    const rows = numel(x.shape) / Math.max(c, 1);
    const mean = new Float64Array(rows);
    const invStd = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += x.data[r * c + k];
      const m = sum / c;
      let sq = 0;
      for (let k = 0; k < c; k++) sq += (x.data[r * c + k] - m) ** 2;
      mean[r] = m;
      invStd[r] = 1 / Math.sqrt(sq / c + eps);
    }
    return affine(x, (e) => Math.floor(e / c), mean, invStd, weight, bias, ctx.precision);
  },
  vjp(b, { node, cotangent }) {
    const [x, weight, bias] = node.inputs;
    const eps = floatAttr(node.attrs, "eps");
    if (node.attrs.mode === "graph") {
      const rank = tensorTypeOf(b, x).shape.length;
      const axes = Array.from({ length: rank }, (_, k) => k);
      return layerNormGraphGrad(b, x, cotangent, axes, eps, weight, bias);
    }
    const s = standardize(b, x, [-1], eps);
    const [g, gw, gb] = affineGrads(b, cotangent, s.xhat, weight, bias);
    return [standardizeGrad(b, g, s, [-1]), gw, gb].slice(0, node.inputs.length);
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 8 * elementsOf(output, symbols));
  },
};

const batchNorm: OpSpec = {
  name: "nn.batch_norm",
  summary:
    "(x−μ)/√(σ²+eps)·weight + bias per channel of x[N,C]; training: batch statistics over nodes (biased σ²), eval: running statistics",
  arity: 5,
  attrs: {
    eps: { kind: "float", default: 1e-5 },
    training: { kind: "bool", default: true },
  },
  pure: true,
  infer(inputs) {
    const x = floatTensorAt(inputs, 0, "x");
    if ("error" in x) return x;
    if (x.shape.length !== 2) return fail(`nn.batch_norm needs x of shape [N,C], got ${formatType(x)}`, [0]);
    const c = x.shape[1];
    const roles = ["weight", "bias", "running_mean", "running_var"];
    for (let i = 1; i < 5; i++) {
      const bad = channelVector(inputs, i, roles[i - 1], x, c);
      if (bad) return bad;
    }
    return x;
  },
  interpret(inputs, attrs, ctx) {
    const [x, weight, bias, runMean, runVar] = inputs.map((v, i) => asTensor(v, `operand ${i}`));
    const [n, c] = x.shape;
    const eps = floatAttr(attrs, "eps");
    const mean = new Float64Array(c);
    const variance = new Float64Array(c);
    if (attrs.training) {
      for (let e = 0; e < x.data.length; e++) mean[e % c] += x.data[e];
      for (let k = 0; k < c; k++) mean[k] /= n;
      for (let e = 0; e < x.data.length; e++) variance[e % c] += (x.data[e] - mean[e % c]) ** 2;
      for (let k = 0; k < c; k++) variance[k] /= n;
    } else {
      mean.set(runMean.data);
      variance.set(runVar.data);
    }
    const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
    return affine(x, (e) => e % c, mean, invStd, weight, bias, ctx.precision);
  },
  // Training normalises with batch statistics (the running ones are not read); eval with the
  // running ones, which then receive a gradient too (the autodiff pass drops it for buffers).
  vjp(b, { node, cotangent }) {
    const [x, weight, bias, runMean, runVar] = node.inputs;
    const eps = floatAttr(node.attrs, "eps");
    if (node.attrs.training !== false) {
      const s = standardize(b, x, [0], eps);
      const [g, gw, gb] = affineGrads(b, cotangent, s.xhat, weight, bias);
      return [standardizeGrad(b, g, s, [0]), gw, gb, undefined, undefined];
    }
    const invStd = b.emit("t.rsqrt", [b.emit("t.add", [runVar, scalarLike(b, eps, x)])]);
    const centred = b.emit("t.sub", [x, runMean]);
    const [g, gw, gb] = affineGrads(b, cotangent, b.emit("t.mul", [centred, invStd]), weight, bias);
    const gx = b.emit("t.mul", [g, invStd]);
    const gMean = b.emit("t.neg", [sumPerChannel(b, gx)]);
    // d/dv (v + eps)^-½ = −½·r³
    const r3 = b.emit("t.mul", [invStd, b.emit("t.mul", [invStd, invStd])]);
    const gVar = b.emit("t.mul", [sumPerChannel(b, b.emit("t.mul", [g, centred])), scaleBy(b, r3, -0.5)]);
    return [gx, gw, gb, gMean, gVar];
  },
  cost(inputs, output, _attrs, symbols) {
    return streamingCost(inputs, output, symbols, 6 * elementsOf(output, symbols));
  },
};

export const nnOps: readonly OpSpec[] = [
  dropoutSpec("nn.dropout", false),
  dropoutSpec("nn.dropout_mask", true),
  layerNorm,
  batchNorm,
];
