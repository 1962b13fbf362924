import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import { inputName } from "../ir/struct-views.js";
import type { Dim, Func, Module, ParamInfo } from "../ir/types.js";
import { datasetAttribute } from "../train/dataset.js";
import { LIMITS } from "../train/limits.js";
import { lrInputs, STEP_INPUT } from "../train/optimizer-options.js";
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
  type StepVariant,
} from "./decoupled-funcs.js";
import { checkOptions, type ScheduleOption } from "./options.js";
import type { InputSource, Phase, PlanStep, ScheduleKind, ScheduleProgram } from "./program.js";

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

interface Options {
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
const pEntry = (w: Dim) => `p.${w}`;
const hEntry = (w: Dim) => `h.${w}`;
const hOldEntry = (w: Dim) => `h_old.${w}`;
const targetEntry = (w: Dim) => `target.${w}`;

/** What the block must be for decoupled training, beyond the options: located diagnostics. */
function blockProblems(spec: TrainSpec, modules: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const unfit = SCHEDULE_CODES.unfitBlock.code;
  if (spec.loss.name !== "cross_entropy") {
    out.push(error(unfit, `decoupled training trains each module's head with \`cross_entropy\`, not \`${spec.loss.name}\``, spec.loss.span, { help: "write `loss = cross_entropy(mask = train)`" }));
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
    declare(headName(m), [s.classes, m.dout], { kind: "glorot" }, true);
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
  const stepNames = new Map<string, string[]>(); // module → its optimizer states
  const diagnostics: Diagnostic[] = [];
  const step = (m: ModuleShape, name: string, v: StepVariant) => {
    const built = stepFunc(name, m, v, params, s);
    if (Array.isArray(built)) return void diagnostics.push(...built);
    add(built.func);
    for (const st of built.states) {
      declare(st.name, [...st.type.shape], st.init, false);
      const list = stepNames.get(m.name) ?? [];
      if (!list.includes(st.name)) list.push(st.name);
      stepNames.set(m.name, list);
    }
  };
  const split = spec.loss.mask;
  const ce = (m: ModuleShape) => ({ kind: "ce" as const, rows: `${m.name}.rows` });
  const mse = (m: ModuleShape) => ({ kind: "mse" as const, target: targetEntry(m.dout), trainRows: `${m.name}.train_rows`, allRows: `${m.name}.all_rows` });
  shapes.forEach((m, t) => {
    const last = t === L - 1;
    step(m, `${m.name}.ft_ce`, { loss: ce(m), trainU: false, snapshot: rounds && !last });
    add(embedFunc(`${m.name}.embed`, m, weightName(m), hEntry(m.dout), s));
    add(t === 0 ? propagateFunc("propagate.x", { input: "x" }, m.din, m.k, m.p, s) : propagateFunc(`propagate.k${m.k}.${m.din}`, { state: hEntry(m.din) }, m.din, m.k, m.p, s));
    if (!rounds) return;
    if (!last) {
      step(m, `${m.name}.ft_mse`, { loss: mse(m), trainU: false, snapshot: true });
      step(m, `${m.name}.bt_mse`, { loss: mse(m), trainU: t > 0, snapshot: false });
      add(embedFunc(`${m.name}.embed_old`, m, snapshotName(m), hOldEntry(m.dout), s));
    } else {
      step(m, `${m.name}.bt_ce`, { loss: ce(m), trainU: t > 0, snapshot: false });
    }
    if (t > 0) {
      add(propagateFunc(`propagate_old.k${m.k}.${m.din}`, { state: hOldEntry(m.din) }, m.din, m.k, m.p, s));
      add(targetFunc(`${m.name}.target`, m, hOldEntry(m.din), targetEntry(m.din), s));
    }
  });
  if (diagnostics.length) return diagnostics;
  add(predictFunc(PREDICT_FUNC, shapes[L - 1], hEntry(shapes[L - 1].dout), s));

  // The plan.
  const rates = new Map(lrInputs(spec.optimizer!).map((r) => [r.name, r.baseLr]));
  const sources = (func: Func, m: ModuleShape, t: number): Record<string, InputSource> => {
    const out: Record<string, InputSource> = {};
    for (const n of func.body) {
      const name = inputName(n);
      if (name === "batch") out[name] = { from: "batch", rows: split, size: o.batch[t], symbol: `${m.name}.rows` };
      else if (name === "batch_train") out[name] = { from: "batch", rows: split, size: o.batch[t], symbol: `${m.name}.train_rows` };
      else if (name === "batch_all") out[name] = { from: "batch", rows: "all", size: o.batch[t], symbol: `${m.name}.all_rows` };
      else if (name === STEP_INPUT) out[name] = { from: "step", counter: m.name };
      else if (name !== undefined && rates.has(name)) out[name] = { from: "value", value: rates.get(name)! };
    }
    return out;
  };
  const run = (func: string, times = 1, part?: string, m?: ModuleShape, t = 0): PlanStep => {
    const f = funcs.get(func)!;
    return { kind: "run", func, times, inputs: m ? sources(f, m, t) : {}, ...(times > 1 ? { log: "loss" } : {}), ...(part ? { part } : {}) };
  };
  const propagate = (t: number, chain: "new" | "old") => {
    const m = shapes[t];
    return run(t === 0 ? "propagate.x" : `${chain === "new" ? "propagate" : "propagate_old"}.k${m.k}.${m.din}`);
  };
  const train = (t: number, func: string, backward: boolean): PlanStep[] => {
    const m = shapes[t];
    const reset = {
      kind: "reset",
      zeros: o.reset_optimizer ? (stepNames.get(m.name) ?? []) : [],
      identity: backward && t > 0 ? [uName(m)] : [],
      counters: o.reset_optimizer ? [m.name] : [],
    } as const;
    const resets: PlanStep[] = reset.zeros.length + reset.identity.length + reset.counters.length > 0 ? [reset] : [];
    return [...resets, run(func, o.max_iter[t], `module ${t + 1}`, m, t)];
  };
  const phases: Phase[] = [];
  const ft = (pass: number): Phase => {
    const steps: PlanStep[] = [];
    shapes.forEach((m, t) => {
      const last = t === L - 1;
      if (pass > 0 && !last) steps.push(propagate(t, "old"), run(`${m.name}.embed_old`), run(`${shapes[t + 1].name}.target`));
      steps.push(propagate(t, "new"), ...train(t, pass > 0 && !last ? `${m.name}.ft_mse` : `${m.name}.ft_ce`, false), run(`${m.name}.embed`));
    });
    return { name: `ft.${pass}`, label: `FT pass ${pass}`, pass, steps, evaluate: true };
  };
  const bt = (pass: number): Phase => {
    const steps: PlanStep[] = [];
    for (let t = L - 1; t >= 0; t--) {
      for (let r = 0; r < t; r++) steps.push(propagate(r, "old"), run(`${shapes[r].name}.embed_old`));
      steps.push(propagate(t, "old"), ...train(t, t === L - 1 ? `${shapes[t].name}.bt_ce` : `${shapes[t].name}.bt_mse`, true));
      if (t > 0) steps.push(run(`${shapes[t].name}.target`));
    }
    return { name: `bt.${pass}`, label: `BT pass ${pass}`, pass, steps, evaluate: false };
  };
  phases.push(ft(0));
  for (let pass = 1; pass <= o.passes; pass++) phases.push(bt(pass), ft(pass));

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
