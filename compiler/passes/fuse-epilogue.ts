import { error } from "../../grammar/diagnostics.js";
import { maxId } from "../ir/reads.js";
import type { Func, Node, Region } from "../ir/types.js";
import { PASS_CODES } from "./codes.js";
import { epiloguePlans, type EpiloguePlan } from "./fuse-epilogue-plan.js";
import { getOpSpec } from "../ir/ops/index.js";
import { mapFuncs, nodesById, rebuildNode } from "../ir/walk.js";
import type { Pass } from "./pass.js";
import { MAX_STORAGE_BUFFERS } from "../codegen/kernel.js";
import { placeholderSpan } from "../../grammar/span.js";

/**
 * Epilogue fusion: an elementwise consumer of a matmul or SpMM result — a `t.fused` chain or a
 * single elementwise op: bias, activation, dropout, the relu-backward mask — merges into its
 * producer as `t.matmul_epilogue` / `g.spmm_epilogue`, whose kernel applies the consumer's
 * function to each accumulator before storing it: one launch instead of two, and no buffer for
 * the product. Which pairs fuse is fuse-epilogue-plan.ts's rule. The new node takes the
 * consumer's id, so later reads are unchanged; values are unchanged bit for bit on the reference
 * interpreter (it runs the producer, then the same region). Run after fuse-elementwise (so the
 * consumer is a whole chain) and after autodiff (the epilogue ops have no gradient rule).
 */

/** The WebGPU default `maxStorageBuffersPerShaderStage`, which the kernels are written against. */

export const fuseEpilogue: Pass<{ max_storage_buffers: number }> = {
  name: "fuse-epilogue",
  description:
    "Merge an elementwise consumer (bias, activation, dropout, masks) of a matmul or SpMM result into it: one kernel applying the chain before the store, no buffer for the product.",
  options: {
    max_storage_buffers: {
      kind: "int",
      default: MAX_STORAGE_BUFFERS,
      doc: `storage buffers one fused kernel may bind: the producer's operands (graph arrays included), the extra operands and the output (1–${MAX_STORAGE_BUFFERS}; the device's maxStorageBuffersPerShaderStage)`,
    },
  },
  run(module, ctx, options) {
    const limit = options.max_storage_buffers;
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_STORAGE_BUFFERS)) {
      const message = `fuse-epilogue: max_storage_buffers must be from 1 to ${MAX_STORAGE_BUFFERS}, got ${limit}`;
      return { module, changed: false, diagnostics: [error(PASS_CODES.badOptionValue.code, message, ctx.span ?? module.span ?? placeholderSpan())] };
    }
    let fused = 0;
    const out = mapFuncs(module, (func) => {
      const r = fuseFunc(func, limit);
      if (r.count) ctx.log(`fuse-epilogue: ${func.name}: ${r.count} epilogue(s) fused into their matmul/SpMM`);
      fused += r.count;
      return r.func;
    });
    return { module: out, changed: fused > 0, diagnostics: [] };
  },
};

function fuseFunc(func: Func, limit: number): { func: Func; count: number } {
  const defs = nodesById(func);
  let nextId = maxId(func) + 1;
  let count = 0;

  const fuseBody = (body: readonly Node[], results: readonly number[]): Node[] => {
    // Nested bodies first; fused regions hold elementwise ops only and are left alone.
    const inner = body.map((n) => (n.regions?.length && n.op !== "t.fused" ? rebuildNode(n, n.inputs, n.regions.map(fuseRegion)) : n));
    const plans = epiloguePlans(inner, results, defs, limit);
    if (plans.length === 0) return inner;
    count += plans.length;
    const byConsumer = new Map(plans.map((p) => [p.consumer.id, p]));
    const gone = new Set(plans.flatMap((p) => p.absorbed.map((n) => n.id)));
    return inner.flatMap((n) => {
      const plan = byConsumer.get(n.id);
      if (plan) return [epilogueNode(plan)];
      return gone.has(n.id) ? [] : [n];
    });
  };

  const fuseRegion = (r: Region): Region => {
    const body = fuseBody(r.body, r.results);
    return body.length === r.body.length && body.every((n, i) => n === r.body[i]) ? r : { ...r, body };
  };

  const arg = (index: number, type: Node["type"], span: Node["span"]): Node =>
    Object.freeze({ id: nextId++, op: "s.arg", type, inputs: [], attrs: { index }, span });

  /** The consumer's function as a region over (product, extras…), its nodes keeping their ids. */
  const regionOf = (plan: EpiloguePlan): Region => {
    const { consumer, operand, extras } = plan;
    const product = arg(0, consumer.type, consumer.span);
    const params = [product, ...extras.map((id, k) => arg(k + 1, defs.get(id)!.type, consumer.span))];
    const paramOf = new Map<number, number>([[operand, product.id], ...extras.map((id, k): [number, number] => [id, params[k + 1].id])]);
    const rename = (ids: readonly number[], map: ReadonlyMap<number, number>) => ids.map((id) => map.get(id) ?? id);
    const own = consumer.regions?.[0];
    if (own) {
      // A t.fused chain (the one consumer with a region): its param k stands for operand k.
      const map = new Map(own.params.map((p, k) => [p.id, paramOf.get(consumer.inputs[k])!]));
      const body = own.body.map((n) => Object.freeze({ ...n, inputs: rename(n.inputs, map) }));
      return { params, body, results: rename(own.results, map) };
    }
    const root = Object.freeze({ ...consumer, id: nextId++, inputs: rename(consumer.inputs, paramOf) });
    return { params, body: [root], results: [root.id] };
  };

  const epilogueNode = (plan: EpiloguePlan): Node => {
    const { consumer, producer } = plan;
    const product = producer.type.kind === "tensor" ? producer.type.shape : [];
    const view = consumer.type.kind === "tensor" ? consumer.type.shape : [];
    const reshaped = view.length !== product.length || view.some((d, k) => d !== product[k]);
    return Object.freeze({
      id: consumer.id,
      op: getOpSpec(producer.op)!.epilogue!,
      type: consumer.type,
      inputs: [...producer.inputs, ...plan.extras],
      attrs: reshaped ? { ...producer.attrs, shape: view } : producer.attrs,
      span: producer.span ?? consumer.span,
      regions: [regionOf(plan)],
    });
  };

  const body = fuseBody(func.body, func.results);
  return count ? { func: { ...func, body }, count } : { func, count };
}
