import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Dim, Func, Module, ParamInfo } from "../ir/types.js";
import { datasetAttribute } from "../train/dataset.js";
import { LIMITS } from "../train/limits.js";
import { lrInputs } from "../train/optimizer-options.js";
import { PREDICT_FUNC } from "../train/names.js";
import type { TrainSpec } from "../train/spec.js";
import { SCHEDULE_CODES } from "./codes.js";
import {
  ACTIVATIONS,
  embedFunc,
  headName,
  predictFunc,
  propagateFunc,
  snapshotName,
  stepFunc,
  targetFunc,
  uName,
  weightName,
  type Activation,
  type ModuleShape,
  type Settings,
  type StepLoss,
  type StepVariant,
} from "./decoupled-funcs.js";
import { kmeansFuncs } from "./kmeans.js";
import { checkOptions, type ScheduleOption } from "./options.js";
import { decoupledPhases } from "./decoupled-plan.js";
import type { ScheduleKind, ScheduleProgram } from "./program.js";

/**
 * `schedule = decoupled(…)`: SGNN's forward and backward training of simple GNN modules
 * (techniques.md §1; Zhang, Zhu, Li, TPAMI 2024). The block's loss, optimizer, select and report
 * apply; its modules come from the options, so the block has neither `model` nor `epochs`.
 *
 *   FT pass 0: for t = 1..L, train module t alone (its own head, CE), then H_t = f_t(H_{t−1}).
 *   `passes` rounds of
 *     BT: for t = L..1, train module t with U_t (t > 1) against the target T from module t+1
 *         (the last module: CE), then T = H_{t−1} U_t;
 *     FT: for t = 1..L, train module t against its target from BT (the last module: CE).
 *   Each visit runs `max_iter` optimizer steps (the optimizer restarted unless
 *   `reset_optimizer = false`); the last module's head predicts, evaluated after every FT pass.
 *
 * Activation memory is one module's, whatever L: only the tensors of the module being visited are
 * kept (entries named by width, shared by modules of the same width), and what a visit needs of
 * earlier passes is recomputed from the features — BT's inputs H_{t−1} by re-running modules
 * 1..t−1, FT's targets T_t = H_t U_{t+1} by re-running the chain with the weights of the last
 * FT pass (each module's `weight.ft` snapshot) beside the new one.
 */

const OPTIONS: readonly ScheduleOption[] = [
  { name: "modules", type: { kind: "int", min: 1, max: LIMITS.channels.max }, list: { max: 1024 }, required: true, doc: "the output width of each module, e.g. `modules = [128, 64, 32]`" },
  { name: "k", type: { kind: "int", min: 0, max: LIMITS.hops.max }, perItem: "modules", default: 1, doc: "each module's propagation steps: P = Â^k H" },
  { name: "act", type: { kind: "word", words: ACTIVATIONS }, perItem: "modules", default: "relu", doc: "σ, each module's output activation" },
  { name: "inner_act", type: { kind: "word", words: ACTIVATIONS }, perItem: "modules", default: "linear", doc: "ρ, each module's activation of P U before W" },
  { name: "negative_slope", type: { kind: "number", min: 0 }, default: 0.2, doc: "the slope of `leaky_relu` below zero" },
  { name: "passes", type: { kind: "int", min: 0, max: 10_000 }, default: 5, doc: "rounds of backward then forward training after FT pass 0" },
  { name: "eta", type: { kind: "number", min: 0 }, default: 100, doc: "η, the weight of the MSE to the backward target" },
  { name: "lam", type: { kind: "number", min: 0 }, default: 1e-3, doc: "λ, the weight of the penalty ‖W‖² + ‖U‖²" },
  { name: "max_iter", type: { kind: "int", min: 1, max: LIMITS.epochs.max }, perItem: "modules", default: 60, doc: "optimizer steps per visit of each module" },
  { name: "batch", type: { kind: "count", min: 1, max: LIMITS.tensorElements.max }, perItem: "modules", default: "all", doc: "rows per step of each module: a number, or `all`" },
  { name: "reset_optimizer", type: { kind: "bool" }, default: true, doc: "restart the optimizer at every visit of a module, as published" },
];

export interface Options {
  modules: number[];
  k: number[];
  act: Activation[];
  inner_act: Activation[];
  negative_slope: number;
  passes: number;
  eta: number;
  lam: number;
  max_iter: number[];
  batch: (number | "all")[];
  reset_optimizer: boolean;
}

/** Entries flowing between functions, one per width (shared by modules of equal width): all recomputed in each phase. */
const P_X = "p.x";
export const pEntry = (w: Dim) => `p.${w}`;
const hEntry = (w: Dim) => `h.${w}`;
const hOldEntry = (w: Dim) => `h_old.${w}`;
const targetEntry = (w: Dim) => `target.${w}`;

/** What the block must be for decoupled training, beyond the options: located diagnostics. */
function blockProblems(spec: TrainSpec, modules: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const unfit = SCHEDULE_CODES.unfitBlock.code;
  if (spec.data.sizes.numGraphs !== undefined) {
    out.push(
      error(unfit, `decoupled training classifies nodes, but dataset \`${spec.data.name}\` is a set of graphs (its labels are per graph)`, spec.data.span, {
        help: "train a model that pools each graph's nodes (`global_mean_pool(h, batch)`) with `model = …` and no schedule",
      }),
    );
  }
  if (spec.loss.name !== "cross_entropy" && spec.loss.name !== "reconstruction") {
    out.push(
      error(unfit, `decoupled training trains each module with \`cross_entropy\` (a head per module) or \`reconstruction\` (a graph auto-encoder), not \`${spec.loss.name}\``, spec.loss.span, {
        help: "write `loss = cross_entropy(mask = train)`, or `loss = reconstruction(mask_rate = 0.2)` to cluster",
      }),
    );
  }
  if (spec.loss.name === "reconstruction") {
    // Unsupervised modules have no head: the last embedding is clustered, scored on the labels of every node.
    if (spec.select.kind === "best") {
      out.push(error(unfit, "unsupervised modules are not selected by a labelled metric: the last FT pass is reported", spec.select.span, { help: "write `select = last`" }));
    }
    if (spec.report.length) {
      out.push(error(unfit, "unsupervised modules have no classifier to report metrics of: clustering ACC, NMI and ARI are reported", spec.report[0].span, { help: "remove `report = […]`" }));
    }
  }
  if (spec.lrSchedule) {
    out.push(error(unfit, "a learning-rate schedule does not apply to decoupled training (each visit restarts the optimizer)", spec.lrSchedule.span, { help: "remove `lr_schedule = …`" }));
  }
  const names = Array.from({ length: modules }, (_, t) => `m${t + 1}`);
  for (const g of spec.optimizer!.groups) {
    if (!names.includes(g.member)) {
      out.push(error(unfit, `optimizer group \`${g.member}\` names no module`, g.span, { help: `the modules are ${names.map((n) => `\`${n}\``).join(", ")}` }));
    }
  }
  if (spec.passes.length) {
    out.push(error(unfit, "technique passes in a train block are not applied to a schedule's functions yet", spec.passes[0].span, { help: "remove `passes = […]`" }));
  }
  if (spec.optimizer!.clipNorm !== undefined && !(spec.optimizer!.clipNorm > 0)) {
    out.push(error(unfit, `clip_norm must be > 0, got ${spec.optimizer!.clipNorm}`, spec.optimizer!.span));
  }
  return out;
}

function lower(spec: TrainSpec, module: Module): { module: Module; program: ScheduleProgram } | Diagnostic[] {
  const checked = checkOptions("decoupled", OPTIONS, spec.schedule!);
  if (!checked.values) return checked.diagnostics;
  const o = checked.values as unknown as Options;
  const problems = blockProblems(spec, o.modules.length);
  if (problems.length) return problems;

  const span = spec.schedule!.span;
  const s: Settings = { nodes: "N", classes: datasetAttribute(spec.data, "num_classes"), eta: o.eta, lam: o.lam, slope: o.negative_slope, optimizer: spec.optimizer!, span };
  const features = datasetAttribute(spec.data, "num_features");
  const L = o.modules.length;
  const shapes: ModuleShape[] = o.modules.map((dout, t) => {
    const din = t === 0 ? features : o.modules[t - 1];
    return { name: `m${t + 1}`, din, dout, k: o.k[t], act: o.act[t], inner: o.inner_act[t], p: t === 0 ? P_X : pEntry(din) };
  });
  const rounds = o.passes > 0;
  const supervised = spec.loss.name === "cross_entropy";

  // State: parameters, snapshots, the entries tensors flow through.
  const params: ParamInfo[] = [];
  const declare = (name: string, shape: Dim[], init: ParamInfo["init"], trainable: boolean) => {
    if (!params.some((p) => p.name === name)) params.push({ name, type: { kind: "tensor", dtype: "f32", shape }, init, trainable, span });
  };
  const transient: string[] = [];
  const flowing = (name: string, width: Dim) => {
    declare(name, ["N", width], { kind: "zeros" }, false);
    if (!transient.includes(name)) transient.push(name);
  };
  shapes.forEach((m, t) => {
    declare(weightName(m), [m.dout, m.din], { kind: "glorot" }, true);
    if (supervised) declare(headName(m), [s.classes, m.dout], { kind: "glorot" }, true);
    if (rounds && t > 0) declare(uName(m), [m.din, m.din], { kind: "identity" }, true);
    if (rounds && t < L - 1) {
      declare(snapshotName(m), [m.dout, m.din], { kind: "zeros" }, false);
      flowing(hOldEntry(m.dout), m.dout);
      flowing(targetEntry(m.dout), m.dout);
    }
    flowing(m.p, m.din);
    flowing(hEntry(m.dout), m.dout);
  });

  const funcs = new Map<string, Func>();
  const add = (f: Func) => void (funcs.has(f.name) || funcs.set(f.name, f));
  const optimizerStates = new Map<string, string[]>(); // module → its optimizer states
  const diagnostics: Diagnostic[] = [];
  const step = (m: ModuleShape, name: string, v: StepVariant) => {
    const built = stepFunc(name, m, v, params, s);
    if (Array.isArray(built)) return void diagnostics.push(...built);
    add(built.func);
    for (const st of built.states) {
      declare(st.name, [...st.type.shape], st.init, false);
      const list = optimizerStates.get(m.name) ?? [];
      if (!list.includes(st.name)) list.push(st.name);
      optimizerStates.set(m.name, list);
    }
  };
  // Each module's own loss (CE through its head, or reconstruction), and the one against a target from BT.
  const own = (m: ModuleShape): StepLoss => (supervised ? { kind: "ce", rows: `${m.name}.rows` } : { kind: "rec", rows: `${m.name}.rows`, maskRate: spec.loss.maskRate ?? 0 });
  const targeted = (m: ModuleShape, t: number): StepLoss =>
    supervised
      ? // A batch of every row reads P and the target in place: no copy of all N rows per step.
        { kind: "mse", target: targetEntry(m.dout), trainRows: `${m.name}.train_rows`, ...(o.batch[t] === "all" ? {} : { allRows: `${m.name}.all_rows` }) }
      : { kind: "rec", rows: `${m.name}.rows`, maskRate: spec.loss.maskRate ?? 0, target: targetEntry(m.dout) };
  const [ownName, targetedName] = supervised ? ["ce", "mse"] : ["rec", "rec_mse"];
  const stepName = (t: number, direction: "ft" | "bt", target: boolean) => `${shapes[t].name}.${direction}_${target ? targetedName : ownName}`;
  shapes.forEach((m, t) => {
    const last = t === L - 1;
    step(m, stepName(t, "ft", false), { loss: own(m), trainU: false, snapshot: rounds && !last });
    add(embedFunc(`${m.name}.embed`, m, weightName(m), hEntry(m.dout), s));
    add(t === 0 ? propagateFunc("propagate.x", { input: "x" }, m.din, m.k, m.p, s) : propagateFunc(`propagate.k${m.k}.${m.din}`, { state: hEntry(m.din) }, m.din, m.k, m.p, s));
    if (!rounds) return;
    if (!last) {
      step(m, stepName(t, "ft", true), { loss: targeted(m, t), trainU: false, snapshot: true });
      step(m, stepName(t, "bt", true), { loss: targeted(m, t), trainU: t > 0, snapshot: false });
      add(embedFunc(`${m.name}.embed_old`, m, snapshotName(m), hOldEntry(m.dout), s));
    } else {
      step(m, stepName(t, "bt", false), { loss: own(m), trainU: t > 0, snapshot: false });
    }
    if (t > 0) {
      add(propagateFunc(`propagate_old.k${m.k}.${m.din}`, { state: hOldEntry(m.din) }, m.din, m.k, m.p, s));
      add(targetFunc(`${m.name}.target`, m, hOldEntry(m.din), targetEntry(m.din), s));
    }
  });
  if (diagnostics.length) return diagnostics;
  // Evaluation: the last module's head predicts, or its embedding is clustered.
  const lastOut = hEntry(shapes[L - 1].dout);
  if (supervised) add(predictFunc(PREDICT_FUNC, shapes[L - 1], lastOut, s));
  else {
    const clusters = kmeansFuncs(lastOut, "N", shapes[L - 1].dout, s.classes, span);
    clusters.funcs.forEach(add);
    for (const st of clusters.state) {
      declare(st.name, [...st.type.shape], st.init, false);
      transient.push(st.name);
    }
  }

  const phases = decoupledPhases({ shapes, options: o, funcs, optimizerStates, stepName, rows: supervised ? spec.loss.mask : "all", rates: new Map(lrInputs(spec.optimizer!).map((r) => [r.name, r.baseLr])) });
  const summary = `decoupled: ${L} module${L === 1 ? "" : "s"} (${[features, ...o.modules].join(" → ")}), k = [${o.k.join(", ")}], FT pass 0 then ${o.passes} round${o.passes === 1 ? "" : "s"} of BT and FT`;
  return {
    module: { ...module, params: [...module.params, ...params], funcs: [...module.funcs, ...funcs.values()] },
    program: { kind: "decoupled", summary, phases, transient },
  };
}

export const DECOUPLED: ScheduleKind = {
  name: "decoupled",
  summary: "SGNN: forward and backward training of simple GNN modules, one module at a time",
  options: OPTIONS,
  uses: { model: false, epochs: false },
  lower,
};
