import { floatAttr } from "../attrs.js";
import type { OpSpec, VjpArgs, VjpBuilder } from "../spec.js";
import { formatType, isFloatDType } from "../type-utils.js";
import type { Attrs, Type } from "../types.js";
import { broadcastConcrete, broadcastIndex, broadcastShapes, sumToShape } from "./broadcast.js";
import {
  NUMERIC_DTYPES,
  alloc,
  asTensor,
  elementsOf,
  fail,
  scalarLike,
  scaleBy,
  streamingCost,
  tensorAt,
  tensorTypeOf,
} from "./common.js";
import { erf, gelu, sigmoid } from "./math.js";

/** Elementwise tensor ops: binary ones broadcast NumPy-style; unary ones keep the shape. */

/**
 * A binary op's gradient rule: the gradients w.r.t. a and b in the broadcast (output) shape; the
 * spec reduces each back to its operand's shape.
 */
type BinaryGrads = (b: VjpBuilder, x: { a: number; b: number; out: number; c: number }) => [number, number];

/** `phrase(a, b)` completes "cannot …" in error messages, e.g. "subtract f32[N] from f32[M]". */
function binary(
  name: string,
  summary: string,
  phrase: (a: string, b: string) => string,
  f: (a: number, b: number) => number,
  grads: BinaryGrads,
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
    interpret(inputs, _attrs, ctx) {
      const a = asTensor(inputs[0], "left operand");
      const b = asTensor(inputs[1], "right operand");
      const shape = broadcastConcrete(a.shape, b.shape);
      const out = alloc(a.dtype, shape, ctx.precision);
      const ia = broadcastIndex(a.shape, shape);
      const ib = broadcastIndex(b.shape, shape);
      const ad = a.data;
      const bd = b.data;
      const od = out.data;
      if (!ia && !ib) for (let e = 0; e < od.length; e++) od[e] = f(ad[e], bd[e]);
      else for (let e = 0; e < od.length; e++) od[e] = f(ad[ia ? ia[e] : e], bd[ib ? ib[e] : e]);
      return out;
    },
    vjp(b, { node, output, cotangent }) {
      const [a, y] = node.inputs;
      const [ga, gb] = grads(b, { a, b: y, out: output, c: cotangent });
      return [sumToShape(b, ga, tensorTypeOf(b, a).shape), sumToShape(b, gb, tensorTypeOf(b, y).shape)];
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
  /** The gradient w.r.t. x; omitted for ops whose derivative is zero wherever it exists (step). */
  grad?: (b: VjpBuilder, x: { x: number; out: number; c: number; attrs: VjpArgs["node"]["attrs"] }) => number;
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
    interpret(inputs, attrs, ctx) {
      const x = asTensor(inputs[0], "operand");
      const f = make(attrs);
      const out = alloc(x.dtype, x.shape, ctx.precision);
      const xd = x.data;
      const od = out.data;
      for (let e = 0; e < od.length; e++) od[e] = f(xd[e]);
      return out;
    },
    ...(opts.grad
      ? {
          vjp(b: VjpBuilder, { node, output, cotangent }: VjpArgs) {
            return [opts.grad!(b, { x: node.inputs[0], out: output, c: cotangent, attrs: node.attrs })];
          },
        }
      : { nondifferentiable: true }),
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, (opts.flops ?? 1) * elementsOf(output, symbols));
    },
  };
}

/** Math.round rounds ties up; ties go to the even neighbour instead. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const emit2 = (b: VjpBuilder, op: string, x: number, y: number) => b.emit(op, [x, y]);
/** 1 where x > 0, 0 where x < 0 (the derivative of relu, routed through `t.step`). */
const stepOf = (b: VjpBuilder, x: number, atZero = 0) => b.emit("t.step", [x], { at_zero: atZero });
/** 1 − x. */
const oneMinus = (b: VjpBuilder, x: number) => emit2(b, "t.sub", scalarLike(b, 1, x), x);
/** 2/√π · e^(−x²): the derivative of erf. */
function erfPrime(b: VjpBuilder, x: number): number {
  const negSq = b.emit("t.neg", [emit2(b, "t.mul", x, x)]);
  return scaleBy(b, b.emit("t.exp", [negSq]), 2 / Math.sqrt(Math.PI));
}

export const elementwiseOps: readonly OpSpec[] = [
  binary("t.add", "a + b", (a, b) => `add ${a} and ${b}`, (a, b) => a + b, (_b, { c }) => [c, c]),
  binary("t.sub", "a − b", (a, b) => `subtract ${b} from ${a}`, (a, b) => a - b, (b, { c }) => [c, b.emit("t.neg", [c])]),
  binary("t.mul", "a · b", (a, b) => `multiply ${a} by ${b}`, (a, b) => a * b, (b, { a, b: y, c }) => [
    emit2(b, "t.mul", c, y),
    emit2(b, "t.mul", c, a),
  ]),
  // d(a/b)/db = −a/b² = −out/b.
  binary("t.div", "a / b", (a, b) => `divide ${a} by ${b}`, (a, b) => a / b, (b, { b: y, out, c }) => [
    emit2(b, "t.div", c, y),
    b.emit("t.neg", [emit2(b, "t.div", emit2(b, "t.mul", c, out), y)]),
  ]),
  // Ties split the gradient evenly between a and b, as PyTorch does.
  binary("t.maximum", "max(a, b)", (a, b) => `take the maximum of ${a} and ${b}`, (a, b) => Math.max(a, b), (b, { a, b: y, c }) => [
    emit2(b, "t.mul", c, stepOf(b, emit2(b, "t.sub", a, y), 0.5)),
    emit2(b, "t.mul", c, stepOf(b, emit2(b, "t.sub", y, a), 0.5)),
  ]),

  unary("t.neg", "−x", () => (x) => -x, { intOk: true, grad: (b, { c }) => b.emit("t.neg", [c]) }),
  unary("t.abs", "|x|", () => Math.abs, {
    intOk: true,
    grad: (b, { x, c }) => emit2(b, "t.mul", c, emit2(b, "t.sub", stepOf(b, x), stepOf(b, b.emit("t.neg", [x])))),
  }),
  unary("t.relu", "max(x, 0)", () => (x) => (x > 0 ? x : x === x ? 0 : x), {
    intOk: true,
    grad: (b, { x, c }) => emit2(b, "t.mul", c, stepOf(b, x)),
  }),
  unary("t.exp", "eˣ", () => Math.exp, { flops: 4, grad: (b, { out, c }) => emit2(b, "t.mul", c, out) }),
  unary("t.log", "natural log", () => Math.log, { flops: 4, grad: (b, { x, c }) => emit2(b, "t.div", c, x) }),
  unary("t.sqrt", "√x", () => Math.sqrt, { flops: 2, grad: (b, { out, c }) => emit2(b, "t.div", scaleBy(b, c, 0.5), out) }),
  // d(x^-½) = −½·x^-½/x.
  unary("t.rsqrt", "1/√x", () => (x) => 1 / Math.sqrt(x), {
    flops: 2,
    grad: (b, { x, out, c }) => emit2(b, "t.mul", scaleBy(b, c, -0.5), emit2(b, "t.div", out, x)),
  }),
  unary("t.tanh", "tanh x", () => Math.tanh, {
    flops: 6,
    grad: (b, { out, c }) => emit2(b, "t.mul", c, oneMinus(b, emit2(b, "t.mul", out, out))),
  }),
  unary("t.sigmoid", "1/(1+e^−x)", () => sigmoid, {
    flops: 6,
    grad: (b, { out, c }) => emit2(b, "t.mul", c, emit2(b, "t.mul", out, oneMinus(b, out))),
  }),
  // d(x·Φ(x)) = Φ(x) + x·φ(x), with Φ(x) = ½(1 + erf(x/√2)) and φ(x) = e^(−x²/2)/√(2π).
  unary("t.gelu", "exact GELU x·Φ(x) (erf form)", () => gelu, {
    flops: 12,
    grad: (b, { x, c }) => {
      const cdf = scaleBy(b, emit2(b, "t.add", scalarLike(b, 1, x), b.emit("t.erf", [scaleBy(b, x, Math.SQRT1_2)])), 0.5);
      const sq = emit2(b, "t.mul", x, x);
      const pdf = scaleBy(b, b.emit("t.exp", [scaleBy(b, sq, -0.5)]), 1 / Math.sqrt(2 * Math.PI));
      return emit2(b, "t.mul", c, emit2(b, "t.add", cdf, emit2(b, "t.mul", x, pdf)));
    },
  }),
  unary("t.erf", "the error function", () => erf, { flops: 12, grad: (b, { x, c }) => emit2(b, "t.mul", c, erfPrime(b, x)) }),
  // Half to even, as WGSL's round() and torch.round; its derivative is 0 wherever it exists, so a
  // straight-through estimator is written explicitly (x + stop_gradient(round(x) − x)).
  unary("t.round", "x rounded to the nearest integer, ties to even", () => roundHalfEven),
  // The derivative of relu-like ops; its own derivative is 0 wherever it exists.
  unary(
    "t.step",
    "1 where x > 0, 0 where x < 0, at_zero where x = 0 (Heaviside)",
    (attrs) => {
      const atZero = floatAttr(attrs, "at_zero");
      return (x) => (x > 0 ? 1 : x < 0 ? 0 : x === 0 ? atZero : x);
    },
    { attrs: { at_zero: { kind: "float", default: 0, doc: "the value at x = 0" } } },
  ),
  unary(
    "t.leaky_relu",
    "x if x > 0 else slope·x (PyTorch LeakyReLU)",
    (attrs) => {
      const slope = floatAttr(attrs, "slope");
      return (x) => (x > 0 ? x : slope * x);
    },
    {
      attrs: { slope: { kind: "float", default: 0.01, doc: "negative slope" } },
      // slope + (1 − slope)·step(x)
      grad: (b, { x, c, attrs }) => {
        const slope = floatAttr(attrs, "slope");
        const d = emit2(b, "t.add", scaleBy(b, stepOf(b, x), 1 - slope), scalarLike(b, slope, x));
        return emit2(b, "t.mul", c, d);
      },
    },
  ),
  unary(
    "t.elu",
    "x if x > 0 else α(eˣ − 1) (PyTorch ELU)",
    (attrs) => {
      const alpha = floatAttr(attrs, "alpha");
      return (x) => (x > 0 ? x : alpha * Math.expm1(x));
    },
    {
      attrs: { alpha: { kind: "float", default: 1 } },
      flops: 4,
      // 1 for x > 0, else α·eˣ = out + α: written d + step(x)·(1 − d) with d = out + α.
      grad: (b, { x, out, c, attrs }) => {
        const d = emit2(b, "t.add", out, scalarLike(b, floatAttr(attrs, "alpha"), x));
        return emit2(b, "t.mul", c, emit2(b, "t.add", d, emit2(b, "t.mul", stepOf(b, x), oneMinus(b, d))));
      },
    },
  ),
];
