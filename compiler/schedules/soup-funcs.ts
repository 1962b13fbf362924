import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { differentiate } from "../autodiff/index.js";
import { FuncBuilder } from "../ir/builder.js";
import { dimMul } from "../ir/dims.js";
import { paramName } from "../ir/struct-views.js";
import { rewriteFunc } from "../ir/rewrite.js";
import type { Dim, Func, ParamInfo, TensorType } from "../ir/types.js";
import { LABELS_INPUT, LOSS_RESULT, MASK_INPUT } from "../train/loss-func.js";
import { emitOptimizerStep } from "../train/optimizer-step.js";
import type { LossSpec, OptimizerSpec } from "../train/spec.js";
import { batchModels, isUnbatchable, type Unbatchable } from "./batch-models.js";
import { batchEntry, IMPROVED_INPUT, ingredientEntry, SOUP_FUNCS, SOUP_LOGITS, SOUP_SCALE, WEIGHTS_INPUT } from "./soup-names.js";

/**
 * The IR functions of a soup (techniques.md §3), one builder each: the ingredients' training side
 * by side, their selection, and the mixes. Every mix is Σ_i w_i · W^(i) per tensor, a [1, G]
 * row times the tensor's G ingredients flattened ([G, size]): one small matmul per tensor.
 */

export const CLASS_LOSSES: Partial<Record<LossSpec["name"], string>> = { cross_entropy: "nn.cross_entropy", nll: "nn.nll" };

export const f32 = (...shape: Dim[]): TensorType => ({ kind: "tensor", dtype: "f32", shape });

function size(shape: readonly Dim[]): Dim {
  return shape.reduce<Dim>((n, d) => dimMul(n, d), 1);
}

/** The soup's ingredient entries: `ingredients.<p>`, [G, …shape], for every parameter and buffer. */
export function ingredientParams(params: readonly ParamInfo[], groups: number): ParamInfo[] {
  return params.map((p) => ({ ...p, name: ingredientEntry(p.name), type: f32(groups, ...p.type.shape), trainable: false }));
}

/** The ingredients as they train: `batch.<p>`, [G, …shape], trainable as the model's. */
export function batchParams(params: readonly ParamInfo[], groups: number): ParamInfo[] {
  return params.map((p) => ({ ...p, name: batchEntry(p.name), type: f32(groups, ...p.type.shape) }));
}

/**
 * Σ_i row_i · ingredients.<p>[i] for a [1, G] row: the tensor mixed, in the parameter's shape.
 * The ingredients leaf is shared when several mixes read it.
 */
function weightedSum(b: FuncBuilder, row: number, p: ParamInfo, groups: number): number {
  const all = b.findLeaf("s.param", ingredientEntry(p.name)) ?? b.leaf("s.param", f32(groups, ...p.type.shape), { name: ingredientEntry(p.name) });
  const flat = b.emit("t.reshape", [all], { shape: [groups, size(p.type.shape)] });
  return b.emit("t.reshape", [b.emit("t.matmul", [row, flat])], { shape: [...p.type.shape] });
}

/** Row k of a [rows, G] matrix, as [1, G]. */
export function rowOf(b: FuncBuilder, m: number, k: number): number {
  return b.emit("t.slice", [m], { axis: 0, start: k, size: 1 });
}

/**
 * The rows of learned souping's weights: softmax(logits) per trainable tensor; a buffer (running
 * statistics) takes the mean of the rows of its member's parameters (`bn.running_mean` those of
 * `bn.weight` and `bn.bias`), or of every row when its member has none.
 */
export function learnedRows(b: FuncBuilder, params: readonly ParamInfo[], groups: number): Map<string, number> {
  const trained = params.filter((p) => p.trainable);
  const logits = b.leaf("s.param", f32(trained.length, groups), { name: SOUP_LOGITS });
  const alpha = b.emit("t.softmax", [logits], { axis: 1 });
  const rows = new Map(trained.map((p, k) => [p.name, rowOf(b, alpha, k)]));
  const member = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf(".")));
  for (const p of params.filter((q) => !q.trainable)) {
    const mine = trained.filter((q) => member(q.name) === member(p.name) && member(p.name) !== "");
    if (mine.length === 0) {
      rows.set(p.name, b.emit("t.mean", [alpha], { axes: [0], keepdims: true }));
      continue;
    }
    const sum = mine.map((q) => rows.get(q.name)!).reduce((a, r) => b.emit("t.add", [a, r]));
    rows.set(p.name, b.emit("t.mul", [sum, b.emit("t.const", [], { value: 1 / mine.length, dtype: "f32" })]));
  }
  return rows;
}

/** `mix`: every tensor Σ_i weights[k, i] · W_k^(i) (input `weights` [tensors, G], one row per entry of `params`), written to the model's names. */
export function mixFunc(params: readonly ParamInfo[], groups: number, span: Span): Func {
  const b = new FuncBuilder(SOUP_FUNCS.mix).at(span);
  const weights = b.leaf("s.input", f32(params.length, groups), { name: WEIGHTS_INPUT });
  const results = params.map((p, k) => weightedSum(b, rowOf(b, weights, k), p, groups));
  return b.finish(results, params.map((p) => p.name));
}

/** `mix.learned`: the soup learned souping's logits give, written to the model's names. */
export function mixLearnedFunc(params: readonly ParamInfo[], groups: number, span: Span): Func {
  const b = new FuncBuilder(SOUP_FUNCS.mixLearned).at(span);
  const rows = learnedRows(b, params, groups);
  return b.finish(
    params.map((p) => weightedSum(b, rows.get(p.name)!, p, groups)),
    params.map((p) => p.name),
  );
}

/**
 * `ingredients.keep`: each ingredient whose `improved` flag is 1 copies its current tensors to
 * `ingredients.<p>` (w·1 + k·0 is w exactly for finite values, so the kept tensors are the
 * trained ones bit for bit).
 */
export function keepFunc(params: readonly ParamInfo[], groups: number, span: Span): Func {
  const b = new FuncBuilder(SOUP_FUNCS.keep).at(span);
  const improved = b.leaf("s.input", f32(groups), { name: IMPROVED_INPUT });
  const one = b.emit("t.const", [], { value: 1, dtype: "f32" });
  const results = params.map((p) => {
    const shape = [groups, ...p.type.shape.map(() => 1)];
    const take = b.emit("t.reshape", [improved], { shape });
    const leave = b.emit("t.sub", [one, take]);
    const now = b.leaf("s.param", f32(groups, ...p.type.shape), { name: batchEntry(p.name) });
    const kept = b.leaf("s.param", f32(groups, ...p.type.shape), { name: ingredientEntry(p.name) });
    return b.emit("t.add", [b.emit("t.mul", [now, take]), b.emit("t.mul", [kept, leave])]);
  });
  return b.finish(results, params.map((p) => ingredientEntry(p.name)));
}

/** An optimizer whose groups name the batched entries (`batch.conv1` owns `batch.conv1.lin.weight`). */
export function batchedOptimizer(o: OptimizerSpec): OptimizerSpec {
  return { ...o, groups: o.groups.map((g) => ({ ...g, member: batchEntry(g.member) })) };
}

/**
 * `ingredients.predict`: every ingredient's predictions side by side, [N, G·C] (eval mode).
 */
export function batchedPredict(predict: Func, groups: number): Func | Unbatchable {
  return batchModels(predict, SOUP_FUNCS.predict, groups, batchEntry);
}

/**
 * `ingredients.step`: one optimizer step of every ingredient. The loss is the sum of the
 * ingredients' losses (each the block's loss over its mask), so each ingredient's gradient is its
 * own: the logits [N, G·C] are read as N·G rows of C (node n, ingredient i at row n·G + i), the
 * labels and the mask repeated per ingredient, and the mean over those rows times G.
 */
export function batchedStep(
  forward: Func,
  params: readonly ParamInfo[],
  groups: number,
  loss: LossSpec,
  optimizer: OptimizerSpec,
): { func: Func; states: ParamInfo[] } | Unbatchable | Diagnostic[] {
  const fwd = batchModels(forward, `${SOUP_FUNCS.step}.forward`, groups, batchEntry);
  if (isUnbatchable(fwd)) return fwd;
  if (fwd.results.length !== 1) return { op: "forward", why: "it updates buffers (running statistics) in training", span: loss.span };
  const b = new FuncBuilder(`${SOUP_FUNCS.step}.loss`, fwd).at(loss.span);
  const out = forward.body.find((x) => x.id === forward.results[0])!.type as TensorType;
  if (out.shape.length !== 2) return { op: "forward", why: "its output is not one row of class scores per node", span: loss.span };
  const [n, classes] = out.shape;
  const rows = dimMul(n, groups);
  const repeat = (id: number) => b.emit("t.reshape", [b.emit("t.broadcast_to", [b.emit("t.reshape", [id], { shape: [n, 1] })], { shape: [n, groups] })], { shape: [rows] });
  const logits = b.emit("t.reshape", [fwd.results[0]], { shape: [rows, classes] });
  const labels = repeat(b.leaf("s.input", { kind: "tensor", dtype: "i32", shape: [n] }, { name: LABELS_INPUT }));
  const mask = repeat(b.leaf("s.input", f32(n), { name: MASK_INPUT }));
  const mean = b.emit(CLASS_LOSSES[loss.name]!, [logits, labels, mask]);
  const total = b.emit("t.mul", [mean, b.emit("t.const", [], { value: groups, dtype: "f32" })]);
  const lossFunc = b.finish([total], [LOSS_RESULT]);
  const batched = batchParams(params, groups);
  const grads = differentiate(lossFunc, { losses: [{ result: LOSS_RESULT, wrt: ["*"] }], params: batched, name: SOUP_FUNCS.step, span: loss.span });
  if (Array.isArray(grads)) return grads;
  const step = new FuncBuilder(SOUP_FUNCS.step, grads).at(loss.span);
  const updates = emitOptimizerStep(step, grads, batched, batchedOptimizer(optimizer));
  return { func: step.finish([grads.results[0], ...updates.results], [LOSS_RESULT, ...updates.names]), states: updates.states };
}

/**
 * `soup.step`: one SGD step of learned souping. The model's `predict` (eval mode) reads, for each
 * tensor, Σ_i softmax(logits_k)_i · W_k^(i) instead of its parameter; its logits are scaled by
 * `soup.scale` (β) and the block's class loss is taken over the rows of input `mask` (the
 * validation nodes). The ingredients are frozen: only the logits and β are trained. The graph,
 * the features and the labels are the function's inputs, so the same function learns on the
 * whole graph or on a subgraph (partition learned souping).
 */
export function learnStep(
  predict: Func,
  params: readonly ParamInfo[],
  groups: number,
  loss: LossSpec,
  momentum: number,
  span: Span,
): { func: Func; states: ParamInfo[] } | Diagnostic[] {
  let rows: Map<string, number> | undefined;
  const mixed = rewriteFunc({ ...predict, name: `${SOUP_FUNCS.learn}.forward` }, (node, { b }) => {
    const name = paramName(node);
    if (name === undefined) return undefined;
    const p = params.find((q) => q.name === name);
    if (!p) throw new Error(`soup: predict reads \`${name}\`, which is no parameter of the model`);
    rows ??= learnedRows(b, params, groups);
    return weightedSum(b, rows.get(name)!, p, groups);
  });
  const lossFunc = scaledLoss(SOUP_FUNCS.learn, mixed, loss, span);
  const trainable = learnParams(params, groups);
  const grads = differentiate(lossFunc, { losses: [{ result: LOSS_RESULT, wrt: [SOUP_LOGITS, SOUP_SCALE] }], params: [...trainable, ...ingredientParams(params, groups)], name: SOUP_FUNCS.learn, span });
  if (Array.isArray(grads)) return grads;
  const step = new FuncBuilder(SOUP_FUNCS.learn, grads).at(span);
  const updates = emitOptimizerStep(step, grads, trainable, learnSgd(momentum, span));
  return { func: step.finish([grads.results[0], ...updates.results], [LOSS_RESULT, ...updates.names]), states: updates.states };
}

/**
 * `<name>.loss`: the learned loss of `mixed` (predict reading a soup): its logits scaled by β
 * (`soup.scale`), the block's class loss over the rows of input `mask` (the validation nodes).
 */
export function scaledLoss(name: string, mixed: Func, loss: LossSpec, span: Span): Func {
  const b = new FuncBuilder(`${name}.loss`, mixed).at(span);
  const out = b.typeOf(mixed.results[0]) as TensorType;
  const scale = b.leaf("s.param", f32(), { name: SOUP_SCALE });
  const logits = b.emit("t.mul", [mixed.results[0], scale]);
  const labels = b.leaf("s.input", { kind: "tensor", dtype: "i32", shape: [out.shape[0]] }, { name: LABELS_INPUT });
  const mask = b.leaf("s.input", f32(out.shape[0]), { name: MASK_INPUT });
  return b.finish([b.emit(CLASS_LOSSES[loss.name]!, [logits, labels, mask])], [LOSS_RESULT]);
}

/** Learned souping's optimizer: SGD, its rate the step's input (the cosine schedule's). */
export function learnSgd(momentum: number, span: Span): OptimizerSpec {
  return { name: "sgd", options: { lr: 1, weightDecay: 0, momentum }, groups: [], span };
}

/** What learned souping trains: a row of logits per trainable tensor (zeros: the uniform soup) and β (1). */
export function learnParams(params: readonly ParamInfo[], groups: number): ParamInfo[] {
  return [logitsParam(params, groups), SCALE_PARAM];
}

/** The logits: a row of G per trainable tensor, zeros (the uniform soup). */
export function logitsParam(params: readonly ParamInfo[], groups: number): ParamInfo {
  return { name: SOUP_LOGITS, type: f32(params.filter((p) => p.trainable).length, groups), init: { kind: "zeros" }, trainable: true };
}

/** β, the logits' scale, from 1. */
export const SCALE_PARAM: ParamInfo = { name: SOUP_SCALE, type: f32(), init: { kind: "ones" }, trainable: true };
