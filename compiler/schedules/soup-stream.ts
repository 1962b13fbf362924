import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { differentiate, gradResultName } from "../autodiff/index.js";
import { FuncBuilder } from "../ir/builder.js";
import { rewriteFunc } from "../ir/rewrite.js";
import { paramName } from "../ir/struct-views.js";
import type { Func, ParamInfo, TensorType } from "../ir/types.js";
import { LOSS_RESULT } from "../train/loss-func.js";
import { emitOptimizerStep } from "../train/optimizer-step.js";
import type { LossSpec, OptimizerSpec } from "../train/spec.js";
import { f32, learnedRows, learnSgd, learnStep, logitsParam, rowOf, SCALE_PARAM, scaledLoss } from "./soup-funcs.js";
import { FIRST_INPUT, mixedEntry, PICK_INPUT, slotEntry, SOUP_DOTS, SOUP_FUNCS, SOUP_LOGITS, SOUP_SCALE, soupGradEntry } from "./soup-names.js";

/**
 * Learned souping with its ingredients streamed from the host (`offload`): the device holds one
 * model's worth of each tensor a few times — the soup W_p (`soup.mixed.<p>`), its gradient, one
 * ingredient's W_p^(i) in `soup.slot.<p>`, and the soup under the model's names at the end —
 * instead of the G ingredients stacked. Same mathematics as `soup.step` (soup-funcs.ts
 * learnStep), split where the stack was read:
 *
 *   soup.stream.mix     W_p ← (1 − first)·W_p + a_{p,i}·slot_p       once per ingredient i
 *   soup.stream.step    ∂L/∂W_p → soup.grad.<p>;  β ← SGD             the mixed forward, its loss
 *   soup.stream.dot     dots[p, i] ← ⟨soup.grad.<p>, slot_p⟩          once per ingredient i
 *   soup.stream.logits  logits ← SGD on Σ_p ⟨a_p, dots_p⟩             a = the learned rows
 *   soup.stream.out     the model's names ← W_p                       once, at the end
 *
 * The fourth is exact: ∂L/∂a_{p,i} = ⟨∂L/∂W_p, W_p^(i)⟩ = dots[p, i], so the linear surrogate's
 * gradient with respect to the logits is the loss's. The soup builds up under names of its own
 * because a function that writes a model's weight is the soup for passes (sparsify projects it
 * onto each layer's kept count): `mix` writes a partial sum. The host only uploads each
 * ingredient into the slot before its `mix` or `dot` run (pick: the ingredient's one-hot [G]).
 */

const SCALAR = f32();

/** The state the streamed functions add: a slot, a gradient and the soup per tensor, and the dots [P, G]. */
export function streamParams(params: readonly ParamInfo[], groups: number): ParamInfo[] {
  const plain = (name: string, type: TensorType): ParamInfo => ({ name, type, init: { kind: "zeros" }, trainable: false });
  return [
    ...params.map((p) => plain(slotEntry(p.name), p.type)),
    ...params.map((p) => plain(soupGradEntry(p.name), p.type)),
    ...params.map((p) => plain(mixedEntry(p.name), p.type)),
    plain(SOUP_DOTS, f32(params.length, groups)),
  ];
}

/** Σ_k a_k · pick_k for a [1, G] row: the row's weight of the picked ingredient, as a scalar. */
function picked(b: FuncBuilder, row: number, pick: number): number {
  return b.emit("t.sum", [b.emit("t.mul", [row, pick])], { axes: [0, 1] });
}

function pickRow(b: FuncBuilder, groups: number): number {
  return b.emit("t.reshape", [b.leaf("s.input", f32(groups), { name: PICK_INPUT })], { shape: [1, groups] });
}

function mixFunc(params: readonly ParamInfo[], groups: number, span: Span): Func {
  const b = new FuncBuilder(SOUP_FUNCS.streamMix).at(span);
  const rows = learnedRows(b, params, groups);
  const pick = pickRow(b, groups);
  const first = b.leaf("s.input", SCALAR, { name: FIRST_INPUT });
  const keep = b.emit("t.sub", [b.emit("t.const", [], { value: 1, dtype: "f32" }), first]);
  const results = params.map((p) => {
    const soup = b.leaf("s.param", p.type, { name: mixedEntry(p.name) });
    const slot = b.leaf("s.param", p.type, { name: slotEntry(p.name) });
    return b.emit("t.add", [b.emit("t.mul", [soup, keep]), b.emit("t.mul", [slot, picked(b, rows.get(p.name)!, pick)])]);
  });
  return b.finish(results, params.map((p) => mixedEntry(p.name)));
}

/** The finished soup under the model's names: W·1, which is W exactly (as `ingredients.keep` copies). */
function outFunc(params: readonly ParamInfo[], span: Span): Func {
  const b = new FuncBuilder(SOUP_FUNCS.streamOut).at(span);
  const one = b.emit("t.const", [], { value: 1, dtype: "f32" });
  const results = params.map((p) => b.emit("t.mul", [b.leaf("s.param", p.type, { name: mixedEntry(p.name) }), one]));
  return b.finish(results, params.map((p) => p.name));
}

/** The gradients of the learned loss with respect to every tensor of the soup (buffers too: their rows carry the logits' gradient), and β's SGD step. */
function stepFunc(predict: Func, params: readonly ParamInfo[], loss: LossSpec, sgd: OptimizerSpec, span: Span): { func: Func; states: ParamInfo[] } | Diagnostic[] {
  const model = new Set(params.map((p) => p.name));
  // predict, reading the soup where it read the model's tensors.
  const mixed = rewriteFunc({ ...predict, name: `${SOUP_FUNCS.streamStep}.forward` }, (node, { b }) => {
    const name = paramName(node);
    return name !== undefined && model.has(name) ? b.leaf("s.param", node.type, { name: mixedEntry(name) }) : undefined;
  });
  const lossFunc = scaledLoss(SOUP_FUNCS.streamStep, mixed, loss, span);
  const differentiable = [...params.map((p) => ({ ...p, name: mixedEntry(p.name), trainable: true })), SCALE_PARAM];
  const grads = differentiate(lossFunc, { losses: [{ result: LOSS_RESULT, wrt: [...params.map((p) => mixedEntry(p.name)), SOUP_SCALE] }], params: differentiable, name: SOUP_FUNCS.streamStep, span });
  if (Array.isArray(grads)) return grads;
  const step = new FuncBuilder(SOUP_FUNCS.streamStep, grads).at(span);
  const updates = emitOptimizerStep(step, grads, [SCALE_PARAM], sgd);
  const gradOf = (name: string) => grads.results[grads.resultNames.indexOf(gradResultName(name))];
  const func = step.finish(
    [grads.results[0], ...params.map((p) => gradOf(mixedEntry(p.name))), ...updates.results],
    [LOSS_RESULT, ...params.map((p) => soupGradEntry(p.name)), ...updates.names],
  );
  return { func, states: updates.states };
}

function dotFunc(params: readonly ParamInfo[], groups: number, span: Span): Func {
  const b = new FuncBuilder(SOUP_FUNCS.streamDot).at(span);
  const pick = pickRow(b, groups);
  const column = params.map((p) => {
    const grad = b.leaf("s.param", p.type, { name: soupGradEntry(p.name) });
    const slot = b.leaf("s.param", p.type, { name: slotEntry(p.name) });
    const dot = b.emit("t.sum", [b.emit("t.mul", [grad, slot])], { axes: p.type.shape.map((_, k) => k) });
    return b.emit("t.reshape", [dot], { shape: [1, 1] });
  });
  const d = column.length === 1 ? column[0] : b.emit("t.concat", column, { axis: 0 });
  const dots = b.leaf("s.param", f32(params.length, groups), { name: SOUP_DOTS });
  const unpicked = b.emit("t.sub", [b.emit("t.const", [], { value: 1, dtype: "f32" }), pick]);
  const written = b.emit("t.add", [b.emit("t.mul", [dots, unpicked]), b.emit("t.mul", [d, pick])]);
  return b.finish([written], [SOUP_DOTS]);
}

function logitsFunc(params: readonly ParamInfo[], groups: number, sgd: OptimizerSpec, span: Span): { func: Func; states: ParamInfo[] } | Diagnostic[] {
  const b = new FuncBuilder(`${SOUP_FUNCS.streamLogits}.loss`).at(span);
  const rows = learnedRows(b, params, groups);
  const dots = b.leaf("s.param", f32(params.length, groups), { name: SOUP_DOTS });
  const terms = params.map((p, k) => b.emit("t.sum", [b.emit("t.mul", [rows.get(p.name)!, rowOf(b, dots, k)])], { axes: [0, 1] }));
  const surrogate = terms.reduce((a, t) => b.emit("t.add", [a, t]));
  const lossFunc = b.finish([surrogate], [LOSS_RESULT]);
  const logits = logitsParam(params, groups);
  const grads = differentiate(lossFunc, { losses: [{ result: LOSS_RESULT, wrt: [SOUP_LOGITS] }], params: [logits], name: SOUP_FUNCS.streamLogits, span });
  if (Array.isArray(grads)) return grads;
  const step = new FuncBuilder(SOUP_FUNCS.streamLogits, grads).at(span);
  const updates = emitOptimizerStep(step, grads, [logits], sgd);
  return { func: step.finish(updates.results, updates.names), states: updates.states };
}

/** The five streamed functions and the state they add (slots, gradients, soup, dots, SGD states); arguments as learnStep's. */
export function streamFuncs(...[predict, params, groups, loss, momentum, span]: Parameters<typeof learnStep>): { funcs: Func[]; states: ParamInfo[] } | Diagnostic[] {
  const sgd = learnSgd(momentum, span);
  const step = stepFunc(predict, params, loss, sgd, span);
  if (Array.isArray(step)) return step;
  const logits = logitsFunc(params, groups, sgd, span);
  if (Array.isArray(logits)) return logits;
  return { funcs: [mixFunc(params, groups, span), step.func, dotFunc(params, groups, span), logits.func, outFunc(params, span)], states: [...streamParams(params, groups), ...step.states, ...logits.states] };
}
