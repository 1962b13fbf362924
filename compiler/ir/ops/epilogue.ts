import { dimsAttr } from "../attrs.js";
import type { Cost, InferError, OpSpec } from "../spec.js";
import { formatType, typesEqual } from "../type-utils.js";
import type { Attrs, Dim, Region, TensorType, Type } from "../types.js";
import type { TensorValue } from "../values.js";
import { asTensor, concreteShape, elementsOf, fail, sizeOf, streamingCost } from "./common.js";
import { fusedOps } from "./fused.js";
import { graphAggregateOps } from "./graph-aggregate.js";
import { linalgOps } from "./linalg.js";
import { sameElementCount } from "./shape.js";

/**
 * `t.matmul_epilogue(a, b, e1, …) { ^(acc, e1′, …) … }` and `g.spmm_epilogue(g, [w], x, e1, …) { … }`:
 * a matmul or SpMM whose result goes straight into an elementwise region — bias, activation,
 * dropout, a relu-backward mask — computed in one kernel that applies the region to each
 * accumulator before storing it, so the product never makes a round trip through memory.
 *
 * The operands are the producer's (as `t.matmul` / `g.spmm` take them, with its attrs) followed by
 * the region's extra operands. The region is a `t.fused` region (closed, elementwise ops only,
 * dropout drawing by the result's flat index) whose param 0 is the producer's result — seen in the
 * `shape` attr when that is set (a row-major view with the same elements, as `t.reshape` would
 * give) — and whose result has param 0's type: one output element per product element, at the
 * same flat index. Made by the `fuse-epilogue` pass after autodiff; it has no gradient rule.
 */

interface Producer {
  spec: OpSpec;
  /** How many operands the producer itself takes. */
  arity: readonly number[];
  /** The producer's FLOPs from the first operand (its graph or left matrix) and the result. */
  flops(first: Type, output: Type, attrs: Attrs, symbols: Readonly<Record<string, number>>): number;
}

function producerSpec(name: string, from: readonly OpSpec[]): OpSpec {
  const spec = from.find((s) => s.name === name);
  if (!spec) throw new Error(`epilogue: the producer ${name} is not in its table`);
  return spec;
}

const FUSED = producerSpec("t.fused", fusedOps);

/** The producer's operands and the region's extra operands of an epilogue node with `region`. */
function splitOperands<T>(inputs: readonly T[], region: Region): { producer: T[]; extra: T[] } {
  const extras = Math.max(0, region.params.length - 1);
  return { producer: inputs.slice(0, inputs.length - extras), extra: inputs.slice(inputs.length - extras) };
}

/** The producer's attrs alone (the epilogue's own `shape` removed). */
function producerAttrs(attrs: Attrs): Attrs {
  const { shape: _view, ...rest } = attrs;
  return rest;
}

function epilogueResultType(p: Producer, inputs: readonly Type[], attrs: Attrs, regions?: readonly Region[]): Type | InferError {
  if (regions?.length !== 1) return fail(`${p.spec.name}_epilogue needs exactly 1 region, got ${regions?.length ?? 0}`);
  const region = regions[0];
  if (region.params.length < 1) return fail("the epilogue region must take the product as its param 0");
  const { producer, extra } = splitOperands(inputs, region);
  if (!p.arity.includes(producer.length)) {
    return fail(`${p.spec.name} takes ${p.arity.join(" or ")} operand(s); with ${extra.length} extra operand(s) the epilogue has ${inputs.length}`);
  }
  const product = p.spec.infer(producer, producerAttrs(attrs));
  if ("error" in product) return product;
  if (product.kind !== "tensor") return fail(`${p.spec.name} gives ${formatType(product)}, not a tensor`);
  const view: TensorType = attrs.shape === undefined ? product : { ...product, shape: dimsAttr(attrs, "shape") };
  if (!sameElementCount(product.shape, view.shape)) {
    return fail(`the view ${formatType(view)} of the product ${formatType(product)} does not provably hold the same elements`);
  }
  const acc = region.params[0].type;
  if (!typesEqual(acc, view)) return fail(`epilogue region param 0 is ${formatType(acc)} but the product is ${formatType(view)}`);
  const out = FUSED.infer([view, ...extra], {}, regions);
  if ("error" in out) return { ...out, operands: out.operands?.map((k) => (k === 0 ? 0 : producer.length + k - 1)) };
  if (!typesEqual(out, view)) return fail(`the epilogue gives ${formatType(out)}; it must keep the product's type ${formatType(view)}`);
  return out;
}

function epilogueOp(producer: Producer, summary: string): OpSpec {
  const name = `${producer.spec.name}_epilogue`;
  const [lo] = producer.arity;
  return {
    name,
    summary,
    arity: [lo, Infinity],
    attrs: {
      ...producer.spec.attrs,
      shape: { kind: "dims", optional: true, doc: "the product as the region sees it (a row-major view with the same elements); absent: its own shape" },
    },
    regions: 1,
    pure: true,
    // ^(product, extras…): the product never leaves the kernel; the extras are the last operands.
    regionOperands: (node) => {
      const { extra } = splitOperands(node.inputs, node.regions![0]);
      return [undefined, ...extra];
    },
    infer: (inputs, attrs, regions) => epilogueResultType(producer, inputs, attrs, regions),
    // The reference semantics are the unfused ops': the producer (rounded to f32 as it stores), then the region.
    interpret(inputs, attrs, ctx) {
      const region = ctx.regions?.[0];
      if (!region) throw new Error(`${name}: the interpreter gave no region`);
      const { producer: operands, extra } = splitOperands(inputs, region);
      const product = asTensor(producer.spec.interpret(operands, producerAttrs(attrs), { ...ctx, regions: undefined }), "product");
      const view: TensorValue = attrs.shape === undefined ? product : { ...product, shape: concreteShape(attrs.shape, "shape") };
      return ctx.runRegion(region, [view, ...extra])[0];
    },
    // The producer's arithmetic (the region's nodes carry their own); every operand read once, the
    // result written once — the product itself never reaches memory.
    cost(inputs, output, attrs, symbols): Cost {
      return streamingCost(inputs, output, symbols, producer.flops(inputs[0], output, attrs, symbols));
    },
  };
}

export const epilogueOps: readonly OpSpec[] = [
  epilogueOp(
    {
      spec: producerSpec("t.matmul", linalgOps),
      arity: [2],
      // A multiply-add per output element and step of the inner dim.
      flops: (a, out, attrs, symbols) => (a.kind === "tensor" ? 2 * elementsOf(out, symbols) * sizeOf(a.shape[attrs.transA ? 0 : 1], symbols) : 0),
    },
    "C = op(A)·op(B) (t.matmul's attrs) with an elementwise region applied to each element before it is stored; made by fuse-epilogue after autodiff",
  ),
  epilogueOp(
    {
      spec: producerSpec("g.spmm", graphAggregateOps),
      arity: [2, 3],
      // A multiply-add per edge and channel of a row.
      flops: (g, out, _attrs, symbols) => {
        if (g.kind !== "graph") return 0;
        const nodes = sizeOf(g.nodes, symbols);
        return nodes === 0 ? 0 : (2 * sizeOf(g.edges, symbols) * elementsOf(out, symbols)) / nodes;
      },
    },
    "g.spmm (its attrs) with an elementwise region applied to each aggregated element before it is stored; made by fuse-epilogue after autodiff",
  ),
];
