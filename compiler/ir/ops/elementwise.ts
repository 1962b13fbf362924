import type { OpSpec } from "../spec.js";
import { formatType, isFloatDType } from "../type-utils.js";
import type { Attrs, Type } from "../types.js";
import { broadcastConcrete, broadcastIndex, broadcastShapes } from "./broadcast.js";
import {
  NUMERIC_DTYPES,
  alloc,
  asTensor,
  elementsOf,
  fail,
  streamingCost,
  tensorAt,
} from "./common.js";
import { gelu, sigmoid } from "./math.js";

/** Elementwise tensor ops: binary ones broadcast NumPy-style; unary ones keep the shape. */

/** `phrase(a, b)` completes "cannot …" in error messages, e.g. "subtract f32[N] from f32[M]". */
function binary(
  name: string,
  summary: string,
  phrase: (a: string, b: string) => string,
  f: (a: number, b: number) => number,
): OpSpec {
  return {
    name,
    summary: `${summary} (elementwise, NumPy broadcasting)`,
    arity: 2,
    attrs: {},
    pure: true,
    infer(inputs: readonly Type[]) {
      const a = tensorAt(inputs, 0, "left operand");
      if ("error" in a) return a;
      const b = tensorAt(inputs, 1, "right operand");
      if ("error" in b) return b;
      const what = `cannot ${phrase(formatType(a), formatType(b))}`;
      if (a.dtype !== b.dtype) return fail(`${what}: dtypes ${a.dtype} and ${b.dtype} differ`, [0, 1]);
      if (!NUMERIC_DTYPES.includes(a.dtype)) return fail(`${what}: ${a.dtype} is not a numeric dtype`, [0, 1]);
      const r = broadcastShapes(a.shape, b.shape);
      if ("conflict" in r) {
        return fail(`${what}: dims ${r.conflict.a} and ${r.conflict.b} do not broadcast`, [0, 1]);
      }
      return { kind: "tensor", dtype: a.dtype, shape: r.shape };
    },
    interpret(inputs) {
      const a = asTensor(inputs[0], "left operand");
      const b = asTensor(inputs[1], "right operand");
      const shape = broadcastConcrete(a.shape, b.shape);
      const out = alloc(a.dtype, shape);
      const ia = broadcastIndex(a.shape, shape);
      const ib = broadcastIndex(b.shape, shape);
      const ad = a.data;
      const bd = b.data;
      const od = out.data;
      for (let e = 0; e < od.length; e++) od[e] = f(ad[ia ? ia[e] : e], bd[ib ? ib[e] : e]);
      return out;
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, elementsOf(output, symbols));
    },
  };
}

interface UnaryOptions {
  attrs?: OpSpec["attrs"];
  /** Also defined on integer tensors (neg, abs, relu). */
  intOk?: boolean;
  /** Rough FLOPs per element for the cost model (transcendentals count more). */
  flops?: number;
}

function unary(name: string, summary: string, make: (attrs: Attrs) => (x: number) => number, opts: UnaryOptions = {}): OpSpec {
  return {
    name,
    summary,
    arity: 1,
    attrs: opts.attrs ?? {},
    pure: true,
    infer(inputs) {
      const x = tensorAt(inputs, 0, "operand");
      if ("error" in x) return x;
      const ok = opts.intOk ? NUMERIC_DTYPES.includes(x.dtype) : isFloatDType(x.dtype);
      if (!ok) return fail(`${name} needs a ${opts.intOk ? "numeric" : "float"} tensor, got ${formatType(x)}`, [0]);
      return x;
    },
    interpret(inputs, attrs) {
      const x = asTensor(inputs[0], "operand");
      const f = make(attrs);
      const out = alloc(x.dtype, x.shape);
      const xd = x.data;
      const od = out.data;
      for (let e = 0; e < od.length; e++) od[e] = f(xd[e]);
      return out;
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, (opts.flops ?? 1) * elementsOf(output, symbols));
    },
  };
}

export const elementwiseOps: readonly OpSpec[] = [
  binary("t.add", "a + b", (a, b) => `add ${a} and ${b}`, (a, b) => a + b),
  binary("t.sub", "a − b", (a, b) => `subtract ${b} from ${a}`, (a, b) => a - b),
  binary("t.mul", "a · b", (a, b) => `multiply ${a} by ${b}`, (a, b) => a * b),
  binary("t.div", "a / b", (a, b) => `divide ${a} by ${b}`, (a, b) => a / b),
  binary("t.maximum", "max(a, b)", (a, b) => `take the maximum of ${a} and ${b}`, (a, b) => Math.max(a, b)),

  unary("t.neg", "−x", () => (x) => -x, { intOk: true }),
  unary("t.abs", "|x|", () => Math.abs, { intOk: true }),
  unary("t.relu", "max(x, 0)", () => (x) => (x > 0 ? x : x === x ? 0 : x), { intOk: true }),
  unary("t.exp", "eˣ", () => Math.exp, { flops: 4 }),
  unary("t.log", "natural log", () => Math.log, { flops: 4 }),
  unary("t.sqrt", "√x", () => Math.sqrt, { flops: 2 }),
  unary("t.rsqrt", "1/√x", () => (x) => 1 / Math.sqrt(x), { flops: 2 }),
  unary("t.tanh", "tanh x", () => Math.tanh, { flops: 6 }),
  unary("t.sigmoid", "1/(1+e^−x)", () => sigmoid, { flops: 6 }),
  unary("t.gelu", "exact GELU x·Φ(x) (erf form)", () => gelu, { flops: 12 }),
  unary(
    "t.leaky_relu",
    "x if x > 0 else slope·x (PyTorch LeakyReLU)",
    (attrs) => {
      const slope = attrs.slope as number;
      return (x) => (x > 0 ? x : slope * x);
    },
    { attrs: { slope: { kind: "float", default: 0.01, doc: "negative slope" } } },
  ),
  unary(
    "t.elu",
    "x if x > 0 else α(eˣ − 1) (PyTorch ELU)",
    (attrs) => {
      const alpha = attrs.alpha as number;
      return (x) => (x > 0 ? x : alpha * Math.expm1(x));
    },
    { attrs: { alpha: { kind: "float", default: 1 } }, flops: 4 },
  ),
];
