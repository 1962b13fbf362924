import type { Span } from "../../grammar/span.js";
import { FuncBuilder } from "../ir/builder.js";
import type { Dim, Func, GraphType, ParamInfo, TensorType } from "../ir/types.js";
import { LABELS_INPUT } from "../train/loss-func.js";
import type { GaMlp, ParamRef } from "./admm-model.js";
import type { LayerEntries, UpdateSettings } from "./admm-updates.js";
import { IrMath } from "./ir-math.js";

/**
 * The functions of an ADMM run around its iterations: the augmented features of the training
 * rows (once), a stage's initial state (the warm start), the report of an iteration (objective,
 * residual, ρ's growth) and the publication of a stage's weights into the model's parameters,
 * which the model's own `predict` then evaluates.
 */

const GRAPH: GraphType = { kind: "graph", nodes: "N", edges: "E", selfLoops: false };
const f32 = (...shape: Dim[]): TensorType => ({ kind: "tensor", dtype: "f32", shape });
const i32 = (...shape: Dim[]): TensorType => ({ kind: "tensor", dtype: "i32", shape });

/** The report function's result: [objective, residual]. */
export const REPORT_RESULT = "report";

export interface SetupNames {
  /** The training rows (i32[T]), an input the driver binds. */
  rows: string;
  /** [T, T] and [classes, classes] identities (one-hot columns and labels). */
  rowIdentity: string;
  classIdentity: string;
  /** The augmented features of the rows (p_1) and their one-hot labels. */
  features: string;
  labels: string;
  /** ρ, ν, and the last two objectives (ρ's growth test). */
  rho: string;
  nu: string;
  history: string;
}

/**
 * p_1 = [X, ÂX, …, Âᴷ X] on the training rows, without forming Âᵏ X over all nodes: with E the
 * [N, T] one-hot columns of the rows, (Âᵏ X)[rows] = ((Âᵀ)ᵏ E)ᵀ X, K aggregations of T columns
 * and K + 1 products that read only X's nonzeros. Also the rows' one-hot labels.
 */
export function augmentFunc(name: string, model: GaMlp, n: SetupNames, s: { rows: Dim; classes: Dim; span: Span }): Func {
  const m = new IrMath(new FuncBuilder(name).at(s.span));
  const b = m.b;
  const x = m.input(model.features, f32("N", model.width));
  const rows = m.input(n.rows, i32(s.rows));
  const graph = b.leaf("s.input", GRAPH, { name: "graph" });
  const loops = b.emit("g.add_self_loops", [graph]);
  const norm = b.emit("g.gcn_norm", [loops]);
  let columns = b.emit("t.scatter_rows", [m.param(n.rowIdentity, f32(s.rows, s.rows)), rows], { rows: "N" });
  const blocks = [m.matmul(columns, x, { a: true })];
  for (let k = 1; k <= model.K; k++) {
    columns = b.emit("g.spmm_t", [loops, norm, columns]);
    blocks.push(m.matmul(columns, x, { a: true }));
  }
  const features = blocks.length === 1 ? blocks[0] : b.emit("t.concat", blocks, { axis: 1 });
  const labels = b.emit("t.gather_rows", [m.input(LABELS_INPUT, i32("N")), rows]);
  const onehot = b.emit("t.gather_rows", [m.param(n.classIdentity, f32(s.classes, s.classes)), labels]);
  return b.finish([features, onehot], [n.features, n.labels]);
}

export interface StageInit {
  /** Every layer of the stage, the output last. */
  layers: readonly LayerEntries[];
  /** Layers kept from the previous stage (0 for the first): the first `kept` hidden layers. */
  kept: number;
  /** For the first stage: each layer's initial weight and bias, read from the model's parameters. */
  fromModel?: readonly { weight: ParamRef; bias: ParamRef }[];
  /** New layers start at the identity: [h, h] and, for the output, [classes, h]. */
  identity: { hidden?: string; output: string };
  rho: number;
  nu: number;
}

/** A model parameter, or slice `index` of a stacked one. */
function modelParam(m: IrMath, ref: ParamRef, params: readonly ParamInfo[]): number {
  const info = params.find((p) => p.name === ref.name);
  if (!info) throw new Error(`admm: the model has no parameter ${ref.name}`);
  const whole = m.param(ref.name, info.type);
  if (ref.index === undefined) return whole;
  const inner = info.type.shape.slice(1);
  const slice = m.b.emit("t.slice", [whole], { axis: 0, start: ref.index, size: 1 });
  return m.b.emit("t.reshape", [slice], { shape: [...inner] });
}

/**
 * A stage's initial state. The first stage takes the model's initial weights; a later one keeps
 * the previous stage's hidden layers and adds identity layers and a new output layer (W the
 * rectangular identity, b = 0), as the reference code grows 2 → 5 → 10 layers. New layers'
 * states follow the forward pass on the training rows (z = p Wᵀ + b, q = relu(z), next p = q,
 * projected where quantised); the output's z starts at the labels as ±1; duals at 0; ρ and ν at
 * the stage's values, with no objective history.
 */
export function stageInitFunc(name: string, init: StageInit, n: SetupNames, params: readonly ParamInfo[], s: UpdateSettings, quantized: (m: IrMath, x: number, target: "p" | "q") => number): Func {
  const m = new IrMath(new FuncBuilder(name).at(s.span));
  const results: number[] = [];
  const names: string[] = [];
  const put = (name: string, v: number) => {
    results.push(v);
    names.push(name);
  };
  const L = init.layers.length;
  let input: number | undefined;
  init.layers.forEach((layer, k) => {
    const last = k === L - 1;
    if (k < init.kept) {
      put(layer.coupling!.u, m.b.emit("t.full", [], { value: 0, shape: [s.rows, layer.dout], dtype: "f32" }));
      if (k === init.kept - 1) input = m.param(layer.coupling!.q, f32(s.rows, layer.dout));
      return;
    }
    let W: number;
    let b: number;
    if (init.fromModel) {
      W = modelParam(m, init.fromModel[k].weight, params);
      b = modelParam(m, init.fromModel[k].bias, params);
    } else {
      W = m.param(last ? init.identity.output : init.identity.hidden!, f32(layer.dout, layer.din));
      b = m.b.emit("t.full", [], { value: 0, shape: [layer.dout], dtype: "f32" });
    }
    put(layer.W, W);
    put(layer.b, b);
    const p = k === 0 ? m.param(layer.p, f32(s.rows, layer.din)) : quantized(m, input!, "p");
    if (k > 0) put(layer.p, p);
    if (last) {
      const y = m.param(n.labels, f32(s.rows, s.classes));
      put(layer.z, m.sub(m.scale(y, 2), m.c(1)));
      return;
    }
    const z = m.add(m.matmul(p, W, { b: true }), b);
    const q = quantized(m, m.relu(z), "q");
    put(layer.z, z);
    put(layer.coupling!.q, q);
    put(layer.coupling!.u, m.b.emit("t.full", [], { value: 0, shape: [s.rows, layer.dout], dtype: "f32" }));
    input = q;
  });
  put(n.rho, m.c(init.rho));
  put(n.nu, m.c(init.nu));
  put(n.history, m.b.emit("t.full", [], { value: NO_OBJECTIVE, shape: [2], dtype: "f32" }));
  return m.b.finish(results, names);
}

/** The objective history's "none yet": larger than any objective, so nothing looks stalled. */
const NO_OBJECTIVE = 1e30;

export interface Growth {
  /** ρ and ν are multiplied by `factor` (at most up to `max`)… */
  factor: number;
  max: number;
  /** …when the objective has twice in a row fallen by less than `stall` of itself. */
  stall: number;
}

/**
 * An iteration's report, `[objective, residual]` (the sums of the layers' terms; the residual is
 * Σ ‖p_{l+1} − q_l‖²), and ρ's growth: when the objective stalled this iteration and the one
 * before, ρ and ν grow by the factor, capped (the reference code's rule, on the objective).
 */
export function reportFunc(name: string, layers: readonly LayerEntries[], n: SetupNames, g: Growth, span: Span): Func {
  const m = new IrMath(new FuncBuilder(name).at(span));
  const all = m.b.emit(
    "t.concat",
    layers.map((l) => m.param(l.terms, f32(2))),
    { axis: 0 },
  );
  const report = m.b.emit("t.sum", [m.b.emit("t.reshape", [all], { shape: [layers.length, 2] })], { axes: [0] });
  const item = (v: number, k: number) => m.b.emit("t.reshape", [m.b.emit("t.slice", [v], { axis: 0, start: k, size: 1 })], { shape: [] });
  const history = m.param(n.history, f32(2));
  const [objective, previous, before] = [item(report, 0), item(history, 0), item(history, 1)];
  const stalled = (now: number, then: number) => m.step(m.add(m.sub(now, then), m.scale(m.abs(then), g.stall)));
  const grow = m.mul(stalled(objective, previous), stalled(previous, before));
  const grown = (name: string) => {
    const v = m.param(name, f32());
    return m.choose(grow, m.min(m.scale(v, g.factor), m.c(g.max)), v);
  };
  const one = (x: number) => m.b.emit("t.reshape", [x], { shape: [1] });
  const nextHistory = m.b.emit("t.concat", [one(objective), one(previous)], { axis: 0 });
  return m.b.finish([report, grown(n.rho), grown(n.nu), nextHistory], [REPORT_RESULT, n.rho, n.nu, n.history]);
}

/**
 * The model's parameters from a stage's layers: model layer j < D takes stage layer j, the
 * model's hidden layers past the stage's are the identity (relu(I h + 0) = h for h ≥ 0, so the
 * model computes what the stage's network does), its output layer the stage's output layer.
 * Stacked parameters are assembled slice by slice.
 */
export function publishFunc(name: string, model: GaMlp, stage: readonly LayerEntries[], identity: string, params: readonly ParamInfo[], span: Span): Func {
  const m = new IrMath(new FuncBuilder(name).at(span));
  const D = stage.length;
  const Lm = model.layers.length;
  const source = (j: number): { W: number; b: number } => {
    const layer = j === Lm - 1 ? stage[D - 1] : j < D - 1 ? stage[j] : undefined;
    const shape = model.layers[j];
    if (!layer) return { W: m.param(identity, f32(shape.dout, shape.din)), b: m.b.emit("t.full", [], { value: 0, shape: [shape.dout], dtype: "f32" }) };
    return { W: m.param(layer.W, f32(layer.dout, layer.din)), b: m.param(layer.b, f32(layer.dout)) };
  };
  const slices = new Map<string, { index: number; value: number }[]>();
  const results: number[] = [];
  const names: string[] = [];
  model.layers.forEach((layer, j) => {
    const v = source(j);
    for (const [ref, value] of [
      [layer.weight, v.W],
      [layer.bias, v.b],
    ] as const) {
      if (ref.index === undefined) {
        results.push(value);
        names.push(ref.name);
      } else {
        const list = slices.get(ref.name) ?? [];
        list.push({ index: ref.index, value });
        slices.set(ref.name, list);
      }
    }
  });
  for (const [param, list] of slices) {
    const info = params.find((p) => p.name === param)!;
    const inner = info.type.shape.slice(1);
    const ordered = [...list].sort((a, b) => a.index - b.index).map((x) => m.b.emit("t.reshape", [x.value], { shape: [1, ...inner] }));
    results.push(ordered.length === 1 ? ordered[0] : m.b.emit("t.concat", ordered, { axis: 0 }));
    names.push(param);
  }
  return m.b.finish(results, names);
}
