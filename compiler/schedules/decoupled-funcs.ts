import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { differentiate } from "../autodiff/index.js";
import { FuncBuilder } from "../ir/builder.js";
import type { Dim, Func, GraphType, ParamInfo, TensorType } from "../ir/types.js";
import { LABELS_INPUT, LOSS_RESULT } from "../train/loss-func.js";
import { OUTPUT_RESULT } from "../train/names.js";
import { emitOptimizerStep } from "../train/optimizer-step.js";
import { reconstructionLoss } from "./reconstruction.js";
import type { OptimizerSpec } from "../train/spec.js";

/**
 * The IR functions of decoupled training (techniques.md §1), one builder each. Module t is
 *   P_t = Â^{k_t} H_{t-1}              (propagate: once per visit, over all nodes)
 *   H_t = σ_t(ρ_t(P_t U_t) W_tᵀ)       (W_t stored [d_t, d_{t-1}] as torch's Linear)
 * and its steps read only the rows of P_t a batch names, so a step costs O(m·d²) whatever N.
 * Functions hand tensors to each other through state entries (see ./decoupled.ts for the names).
 */

export type Activation = "relu" | "leaky_relu" | "linear" | "tanh" | "sigmoid" | "elu";
export const ACTIVATIONS: readonly Activation[] = ["relu", "leaky_relu", "linear", "tanh", "sigmoid", "elu"];

/** One module as its functions see it. */
export interface ModuleShape {
  /** `m1`, `m2`, … : the prefix of its parameters. */
  name: string;
  din: Dim;
  dout: number;
  k: number;
  act: Activation;
  inner: Activation;
  /** The state entry holding P_t. */
  p: string;
}

export interface Settings {
  /** Node count, features and classes as dims. */
  nodes: Dim;
  classes: Dim;
  eta: number;
  lam: number;
  /** leaky_relu's slope. */
  slope: number;
  optimizer: OptimizerSpec;
  span: Span;
}

const f32 = (...shape: Dim[]): TensorType => ({ kind: "tensor", dtype: "f32", shape });
const i32 = (...shape: Dim[]): TensorType => ({ kind: "tensor", dtype: "i32", shape });
const GRAPH: GraphType = { kind: "graph", nodes: "N", edges: "E", selfLoops: false };

export const weightName = (m: ModuleShape) => `${m.name}.weight`;
export const uName = (m: ModuleShape) => `${m.name}.u`;
export const headName = (m: ModuleShape) => `${m.name}.head`;
/** W_t as the last forward pass left it: what the next forward pass's targets are recomputed with. */
export const snapshotName = (m: ModuleShape) => `${m.name}.weight.ft`;

function activate(b: FuncBuilder, x: number, a: Activation, slope: number): number {
  switch (a) {
    case "linear":
      return x;
    case "leaky_relu":
      return b.emit("t.leaky_relu", [x], { slope });
    case "elu":
      return b.emit("t.elu", [x], { alpha: 1 });
    default:
      return b.emit(`t.${a}`, [x]);
  }
}

/** P = Â^k H: the source is the features (`x`, data) or a state entry; the result replaces `to`. */
export function propagateFunc(name: string, from: { input: "x" } | { state: string }, width: Dim, k: number, to: string, s: Settings): Func {
  const b = new FuncBuilder(name).at(s.span);
  const g = b.leaf("s.input", GRAPH, { name: "graph" });
  let h = "input" in from ? b.leaf("s.input", f32(s.nodes, width), { name: "x" }) : b.leaf("s.param", f32(s.nodes, width), { name: from.state });
  const loops = b.emit("g.add_self_loops", [g]);
  const weights = b.emit("g.gcn_norm", [loops]);
  for (let hop = 0; hop < k; hop++) h = b.emit("g.spmm", [loops, weights, h], { reduce: "sum" });
  return b.finish([h], [to]);
}

/** The module's output on rows `p` (ρ(P U) Wᵀ then σ), U left out where it is frozen at the identity. */
function moduleRows(b: FuncBuilder, m: ModuleShape, p: number, weight: number, u: number | undefined, s: Settings): number {
  const pu = u === undefined ? p : b.emit("t.matmul", [p, u]);
  const z = b.emit("t.matmul", [activate(b, pu, m.inner, s.slope), weight], { transB: true });
  return activate(b, z, m.act, s.slope);
}

/** Σ ‖x‖² over a parameter. */
function squaredNorm(b: FuncBuilder, x: number): number {
  return b.emit("t.sum", [b.emit("t.mul", [x, x])], { axes: [0, 1] });
}

/** ‖A − B‖²_F / rows. */
function rowMse(b: FuncBuilder, a: number, t: number): number {
  const d = b.emit("t.sub", [a, t]);
  return b.emit("t.mean", [b.emit("t.sum", [b.emit("t.mul", [d, d])], { axes: [1] })], { axes: [0] });
}

function scalar(b: FuncBuilder, v: number): number {
  return b.emit("t.const", [], { value: v, dtype: "f32" });
}

export type StepLoss =
  /** CE(H[idx] Cᵀ, y[idx]) on a batch of the loss split's rows (input and size `rows`). */
  | { kind: "ce"; rows: string }
  /**
   * η·MSE(H, T) on a batch of the loss split's rows (`trainRows`) and one of all rows
   * (`allRows`; every row, read in place, when it is absent).
   */
  | { kind: "mse"; target: string; trainRows: string; allRows?: string }
  /**
   * A graph auto-encoder's masked reconstruction loss on a batch of all rows (`rows`), plus
   * η·MSE(H, T) on the same rows when there is a target.
   */
  | { kind: "rec"; rows: string; maskRate: number; target?: string };

export interface StepVariant {
  loss: StepLoss;
  /** U_t trained (backward training, t > 1); else frozen at the identity and left out. */
  trainU: boolean;
  /** Also write the new W_t to its snapshot entry (forward training). */
  snapshot: boolean;
}

/**
 * One optimizer step of a module: the loss of the variant on its batch(es) plus λ(‖W‖² + ‖U‖²)
 * (U only where trained), its gradients, the optimizer's update. Returns the function and the
 * optimizer states it declares.
 */
export function stepFunc(name: string, m: ModuleShape, v: StepVariant, params: readonly ParamInfo[], s: Settings): { func: Func; states: ParamInfo[] } | Diagnostic[] {
  const b = new FuncBuilder(`${name}.loss`).at(s.span);
  const param = (n: string) => {
    const info = params.find((p) => p.name === n);
    if (!info) throw new Error(`decoupled: no state entry ${n}`);
    return b.leaf("s.param", info.type, { name: n });
  };
  const p = param(m.p);
  const w = param(weightName(m));
  const u = v.trainU ? param(uName(m)) : undefined;
  // A batch's input is named as its row count: functions of one runner share an input's buffer by
  // name, so batches of different sizes must not share a name.
  const batch = (symbol: string) => b.leaf("s.input", i32(symbol), { name: symbol });
  const rowsOf = (idx: number | undefined) => moduleRows(b, m, idx === undefined ? p : b.emit("t.gather_rows", [p, idx]), w, u, s);
  let loss: number;
  if (v.loss.kind === "ce") {
    const idx = batch(v.loss.rows);
    const logits = b.emit("t.matmul", [rowsOf(idx), param(headName(m))], { transB: true });
    const labels = b.emit("t.gather_rows", [b.leaf("s.input", i32(s.nodes), { name: LABELS_INPUT }), idx]);
    const ones = b.emit("t.full", [], { value: 1, shape: [v.loss.rows], dtype: "f32" });
    loss = b.emit("nn.cross_entropy", [logits, labels, ones]);
  } else if (v.loss.kind === "rec") {
    const idx = batch(v.loss.rows);
    const h = rowsOf(idx);
    const graph = b.leaf("s.input", GRAPH, { name: "graph" });
    const key = v.loss.maskRate > 0 ? b.leaf("s.input", { kind: "rng" }, { name: "key" }) : undefined;
    loss = reconstructionLoss(b, h, graph, idx, v.loss.rows, key, v.loss.maskRate);
    if (v.loss.target !== undefined) {
      const mse = rowMse(b, h, b.emit("t.gather_rows", [param(v.loss.target), idx]));
      loss = b.emit("t.add", [loss, b.emit("t.mul", [mse, scalar(b, s.eta)])]);
    }
  } else {
    const target = param(v.loss.target);
    const term = (idx: number | undefined) => rowMse(b, rowsOf(idx), idx === undefined ? target : b.emit("t.gather_rows", [target, idx]));
    const all = v.loss.allRows === undefined ? undefined : batch(v.loss.allRows);
    const both = b.emit("t.add", [term(batch(v.loss.trainRows)), term(all)]);
    loss = b.emit("t.mul", [both, scalar(b, s.eta)]);
  }
  const penalty = u === undefined ? squaredNorm(b, w) : b.emit("t.add", [squaredNorm(b, w), squaredNorm(b, u)]);
  loss = b.emit("t.add", [loss, b.emit("t.mul", [penalty, scalar(b, s.lam)])]);
  const lossFunc = b.finish([loss], [LOSS_RESULT]);

  // Only what the loss reads is trained: W, and the head (CE) and U where they appear.
  const trained = [weightName(m), ...(v.loss.kind === "ce" ? [headName(m)] : []), ...(u === undefined ? [] : [uName(m)])];
  const grads = differentiate(lossFunc, { losses: [{ result: LOSS_RESULT, wrt: trained }], params, name, span: s.span });
  if (Array.isArray(grads)) return grads;
  const step = new FuncBuilder(name, grads).at(s.span);
  const updates = emitOptimizerStep(step, grads, params, s.optimizer);
  const results = [grads.results[0], ...updates.results];
  const names = [LOSS_RESULT, ...updates.names];
  if (v.snapshot) {
    results.push(updates.results[updates.names.indexOf(weightName(m))]);
    names.push(snapshotName(m));
  }
  return { func: step.finish(results, names), states: updates.states };
}

/** H_t = f_t(P_t) over every node, with W_t or its snapshot; the result replaces `to`. */
export function embedFunc(name: string, m: ModuleShape, weight: string, to: string, s: Settings): Func {
  const b = new FuncBuilder(name).at(s.span);
  const p = b.leaf("s.param", f32(s.nodes, m.din), { name: m.p });
  const w = b.leaf("s.param", f32(m.dout, m.din), { name: weight });
  return b.finish([moduleRows(b, m, p, w, undefined, s)], [to]);
}

/** T = H_{t-1} U_t: the input module t would like, module t−1's target. */
export function targetFunc(name: string, m: ModuleShape, from: string, to: string, s: Settings): Func {
  const b = new FuncBuilder(name).at(s.span);
  const h = b.leaf("s.param", f32(s.nodes, m.din), { name: from });
  const u = b.leaf("s.param", f32(m.din, m.din), { name: uName(m) });
  return b.finish([b.emit("t.matmul", [h, u])], [to]);
}

/** The last module's class scores H_L Cᵀ over every node (`out`). */
export function predictFunc(name: string, m: ModuleShape, h: string, s: Settings): Func {
  const b = new FuncBuilder(name).at(s.span);
  const x = b.leaf("s.param", f32(s.nodes, m.dout), { name: h });
  const head = b.leaf("s.param", f32(s.classes, m.dout), { name: headName(m) });
  return b.finish([b.emit("t.matmul", [x, head], { transB: true })], [OUTPUT_RESULT]);
}
