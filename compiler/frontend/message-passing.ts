import type { CallExpr, ForwardDecl } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import type { Dim } from "../ir/types.js";
import { aggregateMessages, type Emit } from "./aggregate.js";
import type { Elaborator } from "./elaborator.js";
import { evaluate, type EvalScope } from "./eval.js";
import type { BlockInstance } from "./instance.js";
import { didYouMeanHelp, type Reporter } from "./report.js";
import { matchAnnotation } from "./type-annot.js";
import { describeValue, formatTensorType, type GraphValue, type TensorValue, type Value } from "./value.js";

/**
 * PyG's MessagePassing in the language. A block that defines `message` (and optionally `update`
 * and `aggr = "…"`) runs them with `propagate(g, x = h, …)`:
 *
 *   message(x_i, x_j, e)  each edge's message; `x_i` is the argument `x` at the edge's destination,
 *                         `x_j` at its source, a name without suffix an edge tensor given as is
 *   aggr                  how each node combines its in-edges' messages: "sum" (PyG's "add"),
 *                         "mean", "max", "min", or "softmax" (PyG's SoftmaxAggregation:
 *                         Σ_j softmax_j(m_ij) · m_ij per channel)
 *   update(aggr_out, x)   each node's result from its aggregate (default: the aggregate)
 *
 * Lowered to plain IR — gathers by edge end, the message's elementwise math, a segment reduction
 * — which the `fuse-message` pass turns into SpMM/SDDMM kernels where the message is a product
 * of a node term and an edge term. Gradients come from the ops' own rules.
 */

/** Does this call run the block's own message passing (rather than the built-in `propagate` of SGC)? */
export function isOwnPropagate(inst: BlockInstance, name: string): boolean {
  return name === "propagate" && inst.decl.message !== undefined;
}

interface Arguments {
  g: GraphValue;
  /** Named arguments: node tensors (read as `name_i`/`name_j`) or edge tensors (read as `name`). */
  named: Map<string, { value: TensorValue; span: Span }>;
}

/** How a method's body runs (forward-body's execForward, passed in: it calls back into propagate). */
export type RunBody = (el: Elaborator, inst: BlockInstance, path: string, decl: ForwardDecl, locals: Map<string, Value>, bindings: Map<string, Dim>) => Value;

/** `propagate(g, x = h, …)` in a block that defines `message`: message, aggregation, update. */
export function propagate(el: Elaborator, inst: BlockInstance, path: string, call: CallExpr, scope: EvalScope, run: RunBody): Value {
  const r: Reporter = el.reporter;
  const args = propagateArgs(r, call, scope);
  const message = inst.decl.message!;
  const edgeValue = el.inMessage(args.g, () => runMethod(el, inst, path, message, bindMessage(el, inst, message, args, call.span), run));
  if (edgeValue.kind !== "tensor" || edgeValue.type.shape[0] !== args.g.type.edges) {
    const found = describeValue(edgeValue);
    return r.fail("E319", `\`message\` of \`${inst.typeName}\` must return a tensor with a row per edge (${args.g.type.edges} rows), found ${found}`, returnSpan(message), {
      labels: [{ span: call.span, message: "propagated here" }],
      help: "a message is computed per edge: combine `x_j` (source), `x_i` (destination) and edge tensors",
    });
  }
  const emit: Emit = (op, inputs, attrs = {}) => el.tensor(op, inputs, attrs, { span: call.span });
  const aggregated = aggregateMessages(emit, () => el.constant(1, call.span), inst.aggr ?? "sum", args.g, edgeValue);
  const update = inst.decl.update;
  if (!update) return aggregated;
  return runMethod(el, inst, path, update, bindUpdate(el, inst, update, args, aggregated), run);
}

function propagateArgs(r: Reporter, call: CallExpr, scope: EvalScope): Arguments {
  const [first, ...rest] = call.args;
  if (!first || first.name) {
    return r.fail("E402", "`propagate` takes the graph first: `propagate(g, x = h)`", call.span, {
      help: "name the tensors the message reads: `propagate(g, x = h, edge_attr = e)`",
    });
  }
  const g = evaluate(first.value, scope);
  if (g.kind !== "graph") {
    return r.fail("E305", `the first argument of \`propagate\` must be a graph, found ${describeValue(g)}`, first.value.span, {
      help: "in a block with `message`, `propagate(g, x = h)` runs the block's message passing (the graph first, tensors by name)",
    });
  }
  const named = new Map<string, { value: TensorValue; span: Span }>();
  for (const a of rest) {
    if (!a.name) {
      return r.fail("E404", "the arguments of `propagate` after the graph are named", a.span, {
        help: "e.g. `propagate(g, x = h)`: the message then reads `x_i` and `x_j`",
      });
    }
    const v = evaluate(a.value, scope);
    if (v.kind !== "tensor") return r.fail("E305", `argument \`${a.name.name}\` of \`propagate\` must be a tensor, found ${describeValue(v)}`, a.value.span);
    named.set(a.name.name, { value: v, span: a.value.span });
  }
  return { g, named };
}

/** Rows of `v` must be the graph's nodes (`node`) or edges (`edge`); else E319 at the argument. */
function checkRows(r: Reporter, what: "node" | "edge", name: string, arg: { value: TensorValue; span: Span }, g: GraphValue, used: Span): TensorValue {
  const rows: Dim = what === "node" ? g.type.nodes : g.type.edges;
  if (arg.value.type.shape[0] === rows) return arg.value;
  const other = what === "node" ? "an edge tensor: read it as `" + name + "`" : `a node tensor: read it as \`${name}_i\` or \`${name}_j\``;
  return r.fail("E319", `\`${name}\` is ${formatTensorType(arg.value.type)}, but its use needs a row per ${what} (${rows} rows)`, used, {
    labels: [{ span: arg.span, message: `this is ${formatTensorType(arg.value.type)}` }],
    help: `if it is ${other}; a graph with self loops added has E+N edges`,
  });
}

/** Each parameter of `message`: `name_i` / `name_j` gather node argument `name` at the destination / source; `name` is an edge argument. */
function bindMessage(el: Elaborator, inst: BlockInstance, message: ForwardDecl, args: Arguments, callSpan: Span): Map<string, Value> {
  const r: Reporter = el.reporter;
  const locals = new Map<string, Value>();
  for (const p of message.params) {
    const name = p.name.name;
    const edge = args.named.get(name);
    const side = /_(i|j)$/.exec(name);
    const node = side ? args.named.get(name.slice(0, -2)) : undefined;
    if (edge) {
      locals.set(name, checkRows(r, "edge", name, edge, args.g, p.span));
    } else if (node) {
      const x = checkRows(r, "node", name.slice(0, -2), node, args.g, p.span);
      // x_i: the destination's row (CSR by destination: dst); x_j: the source's.
      const op = side![1] === "i" ? "g.gather_dst" : "g.gather_src";
      locals.set(name, el.tensor(op, [args.g.id, x.id], {}, { span: p.span }));
    } else if (p.default) {
      locals.set(name, evaluate(p.default, el.instantiator.staticScope(inst.params)));
    } else {
      const known = [...args.named.keys()].flatMap((k) => [k, `${k}_i`, `${k}_j`]);
      r.fail("E316", `\`message\` of \`${inst.typeName}\` reads \`${name}\`, which \`propagate\` was not given`, p.span, {
        labels: [{ span: callSpan, message: `given: ${[...args.named.keys()].map((k) => `\`${k}\``).join(", ") || "only the graph"}` }],
        help:
          didYouMeanHelp(didYouMean(name, known)) ??
          "pass it by name, `propagate(g, x = h)`, and read node tensors as `x_i` (destination) or `x_j` (source)",
      });
    }
  }
  return locals;
}

/** `update(aggr_out, …)`: the aggregate first, then node arguments of `propagate` by name. */
function bindUpdate(el: Elaborator, inst: BlockInstance, update: ForwardDecl, args: Arguments, aggregated: TensorValue): Map<string, Value> {
  const r: Reporter = el.reporter;
  const locals = new Map<string, Value>();
  update.params.forEach((p, k) => {
    const name = p.name.name;
    const given = args.named.get(name);
    if (k === 0) locals.set(name, aggregated);
    else if (given) locals.set(name, checkRows(r, "node", name, given, args.g, p.span));
    else if (p.default) locals.set(name, evaluate(p.default, el.instantiator.staticScope(inst.params)));
    else {
      r.fail("E316", `\`update\` of \`${inst.typeName}\` reads \`${name}\`, which \`propagate\` was not given`, p.span, {
        help: "`update(aggr_out, x)` takes the aggregate first, then node tensors passed to `propagate` by name",
      });
    }
  });
  return locals;
}

/** Run `message` or `update` with its parameters bound, checking declared parameter types. */
function runMethod(el: Elaborator, inst: BlockInstance, path: string, decl: ForwardDecl, locals: Map<string, Value>, run: RunBody): Value {
  const statics = el.instantiator.staticScope(inst.params);
  const bindings = new Map<string, Dim>();
  for (const p of decl.params) {
    if (!p.type) continue;
    const value = locals.get(p.name.name)!;
    const expected = matchAnnotation(p.type, value, statics, bindings);
    if (expected !== undefined) {
      el.reporter.fail("E307", `\`${p.name.name}\` is ${describeValue(value)}, but it is declared \`${expected}\``, p.span);
    }
  }
  return run(el, inst, path, decl, locals, bindings);
}

function returnSpan(decl: ForwardDecl): Span {
  const ret = decl.body.find((s) => s.kind === "Return");
  return ret?.value.span ?? decl.span;
}
