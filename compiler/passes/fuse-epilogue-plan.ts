import { operandBuffers } from "../codegen/emit.js";
import { FUSABLE_OPS } from "../ir/ops/fused.js";
import { getOpSpec } from "../ir/ops/index.js";
import { dependenciesOf } from "../ir/reads.js";
import { inputName } from "../ir/struct-views.js";
import { typesEqual } from "../ir/type-utils.js";
import type { Node } from "../ir/types.js";

/**
 * Which elementwise consumers of one body take which matmul or SpMM as their epilogue's producer
 * (see fuse-epilogue.ts). A consumer is a `t.fused` node or a single elementwise op; it absorbs
 * the producer of one of its operands when
 *   - the producer is an op with an epilogue form (OpSpec.epilogue: `t.matmul`, `g.spmm`) of this
 *     body with an f32 result, read by nothing else (possibly through `t.reshape`s read by nothing
 *     else) and not a result of the body: the product then needs no buffer of its own, and
 *     nothing is computed twice;
 *   - the operand has the consumer's type: the kernel computes one output element per product
 *     element, at the same flat index (which is also where a fused dropout draws);
 *   - no operand of the matmul is a function input or a dropout of one — mostly-zero features
 *     that the launch plan multiplies by their nonzero pattern instead (plan/compact-values.ts);
 *   - the kernel stays within `maxBuffers` storage buffers: the producer's own (as its emitter
 *     counts them, codegen/emit.ts's operandBuffers), one per extra operand, and the output.
 */

export interface EpiloguePlan {
  /** The elementwise node whose id, position and value the epilogue node takes. */
  consumer: Node;
  /** The matmul or SpMM computing the product. */
  producer: Node;
  /** The consumer's operand the product reaches it as (the producer, or the last reshape of it). */
  operand: number;
  /** Values besides the product the consumer reads, distinct, in order of first read. */
  extras: number[];
  /** Nodes that disappear into the epilogue node: the producer and the reshapes between. */
  absorbed: Node[];
}

function isConsumer(n: Node): boolean {
  if (n.type.kind !== "tensor") return false;
  if (n.op === "t.fused") return true; // a whole elementwise chain (fuse-elementwise's node)
  return FUSABLE_OPS.has(n.op) && !n.regions?.length;
}

/**
 * Whether a matmul operand is (a dropout of) a function input: a candidate for the patterned
 * product (compact mostly-zero features; the pass runs before the data, and with it the zero
 * pattern, is known). Dense inputs are left unfused too — one epilogue per step, for simplicity.
 */
function patternedCandidate(id: number, defs: ReadonlyMap<number, Node>): boolean {
  const d = defs.get(id);
  if (!d) return false;
  if (inputName(d) !== undefined) return true;
  // Dropout keeps an input's zeros: the launch plan keeps it compact too (plan/compact-values.ts).
  const source = d.op === "nn.dropout" ? defs.get(d.inputs[0]) : undefined;
  return source !== undefined && inputName(source) !== undefined;
}

/**
 * The fusions of `body` whose values escape through `results`. `defs` holds every node of the
 * function (operands of a nested body may be defined outside it).
 */
export function epiloguePlans(
  body: readonly Node[],
  results: readonly number[],
  defs: ReadonlyMap<number, Node>,
  maxBuffers: number,
): EpiloguePlan[] {
  const here = new Map(body.map((n) => [n.id, n]));
  const readers = new Map<number, Node[]>();
  for (const n of body) {
    for (const d of dependenciesOf(n)) {
      if (!here.has(d)) continue;
      const list = readers.get(d);
      if (list) list.push(n);
      else readers.set(d, [n]);
    }
  }
  const escapes = new Set(results);
  /** Read by `reader` alone (however often) and not a result. */
  const onlyReadBy = (id: number, reader: Node) => !escapes.has(id) && (readers.get(id) ?? []).every((r) => r === reader);

  const planFor = (consumer: Node, operand: number): EpiloguePlan | undefined => {
    if (!typesEqual(here.get(operand)?.type ?? { kind: "rng" }, consumer.type)) return undefined;
    const absorbed: Node[] = [];
    let reader = consumer;
    let def = here.get(operand);
    // A reshape changes only how the product is indexed: the epilogue sees it as its `shape` view.
    while (def?.op === "t.reshape" && onlyReadBy(def.id, reader)) {
      absorbed.push(def);
      reader = def;
      def = here.get(def.inputs[0]);
    }
    const own = def && getOpSpec(def.op)?.epilogue !== undefined ? operandBuffers(def) : undefined;
    if (!def || own === undefined || !onlyReadBy(def.id, reader)) return undefined;
    if (def.type.kind !== "tensor" || def.type.dtype !== "f32") return undefined;
    // Only the matmul has a kernel over a compact operand's nonzeros (plan/compact-values.ts).
    if (def.op === "t.matmul" && def.inputs.some((id) => patternedCandidate(id, defs))) return undefined;
    const extras = [...new Set(consumer.inputs.filter((id) => id !== operand))];
    if (own + extras.length + 1 > maxBuffers) return undefined;
    return { consumer, producer: def, operand, extras, absorbed: [def, ...absorbed] };
  };

  const plans: EpiloguePlan[] = [];
  for (const consumer of body) {
    if (!isConsumer(consumer)) continue;
    for (const operand of new Set(consumer.inputs)) {
      const plan = planFor(consumer, operand);
      if (!plan) continue;
      plans.push(plan);
      break;
    }
  }
  return plans;
}
