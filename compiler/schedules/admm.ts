import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Dim, Func, Module, ParamInfo } from "../ir/types.js";
import { datasetAttribute } from "../train/dataset.js";
import { LIMITS } from "../train/limits.js";
import type { OptionValue, TrainSpec } from "../train/spec.js";
import { LEVEL_SET_FORMS, levelSet, project, type LevelSet } from "./admm-levels.js";
import { recogniseGaMlp, type GaMlp } from "./admm-model.js";
import { augmentFunc, publishFunc, REPORT_RESULT, reportFunc, stageInitFunc, type SetupNames } from "./admm-setup.js";
import { pFuncName, pUpdateFunc, updateFunc, updateFuncName, type LayerEntries, type UpdateSettings } from "./admm-updates.js";
import { SCHEDULE_CODES } from "./codes.js";
import { checkOptions, type ScheduleOption } from "./options.js";
import type { InputSource, Phase, PlanStep, ScheduleKind, ScheduleProgram } from "./program.js";

/**
 * `schedule = admm(…)`: pdADMM-G and pdADMM-G-Q (techniques.md §2; Wang et al., IEEE TNNLS 2022)
 * on the block's model, a graph-augmented MLP (./admm-model.ts). Gradient-free: no optimizer, no
 * backpropagation; each iteration updates every layer's p, W, b, z, q and u by the closed forms
 * and backtracking steps of ./admm-updates.ts, on the training rows of the loss's split.
 *
 * Stages warm-start the depth (`layers = [2, 5, 10]`: train 2 layers, grow to 5 and then to the
 * model's 10 with new layers at the identity). Every iteration is a phase: the layers' updates,
 * then a report (objective, residual, ρ's growth); evaluating phases publish the stage's weights
 * into the model's parameters and the model's `predict` is evaluated.
 *
 * Within a step of an iteration the layers are independent: each layer's functions belong to its
 * part (a layer), and with `devices = n` the runtime spreads contiguous groups of parts over n
 * devices, moving only p, q and u across group boundaries (runtime/runner/partitioned.ts).
 */

const levelSetType = {
  kind: "custom",
  describe: LEVEL_SET_FORMS,
  check: (v: OptionValue) => {
    const set = levelSet(v);
    return typeof set === "string" ? `is not a level set: ${set}` : undefined;
  },
} as const;

const positive = (max?: number) => ({ kind: "number", min: 0, above: true, ...(max === undefined ? {} : { max }) }) as const;

const OPTIONS: readonly ScheduleOption[] = [
  { name: "layers", type: { kind: "int", min: 2, max: 1024 }, list: { max: 16 }, doc: "the depth of each stage, ending at the model's: `[2, 5, 10]` trains 2 layers, then grows to 5 and 10 with new layers at the identity" },
  { name: "iterations", type: { kind: "int", min: 1, max: LIMITS.epochs.max }, perItem: "layers", default: 200, doc: "ADMM iterations of each stage" },
  { name: "rho", type: positive(), perItem: "layers", default: 1e-4, doc: "ρ > 0, the penalty on p_{l+1} = q_l of each stage (grown when the objective stalls)" },
  { name: "nu", type: positive(), perItem: "layers", default: 1e-4, doc: "ν > 0, the penalty on z = W p + b and q = relu(z) of each stage (grown with ρ)" },
  { name: "mu", type: { kind: "number", min: 0 }, perItem: "layers", default: 0.01, doc: "μ ≥ 0, the weight decay μ/2 ‖W‖² of each stage" },
  { name: "rho_max", type: positive(), default: 1, doc: "the cap of ρ and ν as they grow" },
  { name: "grow", type: { kind: "number", min: 1 }, default: 10, doc: "the factor ρ and ν grow by when the objective stalls" },
  { name: "stall", type: { kind: "number", min: 0, max: 1 }, default: 1e-3, doc: "the objective stalls when it falls by less than this share of itself, twice in a row" },
  { name: "tau", type: positive(), default: 20, doc: "τ₀, the first curvature a backtracking step tries (1/τ is the step size)" },
  { name: "tries", type: { kind: "int", min: 1, max: 64 }, default: 10, doc: "most tries of a backtracking step, τ doubling after each" },
  { name: "fista_iterations", type: { kind: "int", min: 1, max: 10_000 }, default: 50, doc: "most FISTA iterations of the output layer's z-update" },
  { name: "fista_tol", type: { kind: "number", min: 0 }, default: 1e-3, doc: "FISTA stops once the objective changes by less than this" },
  { name: "fista_step", type: positive(), default: 4, doc: "FISTA's step size η" },
  { name: "quantize", type: levelSetType, default: "none", doc: `pdADMM-G-Q's level set: ${LEVEL_SET_FORMS}` },
  { name: "quantize_target", type: { kind: "word", words: ["p", "q"] }, default: "p", doc: "what lies on the level set: `p` (the paper) or `q` (the reference code)" },
  { name: "devices", type: { kind: "int", min: 1, max: 64 }, default: 1, doc: "devices the layers are spread over (contiguous groups, run concurrently)" },
];

interface Options {
  layers?: number[];
  iterations: number | number[];
  rho: number | number[];
  nu: number | number[];
  mu: number | number[];
  rho_max: number;
  grow: number;
  stall: number;
  tau: number;
  tries: number;
  fista_iterations: number;
  fista_tol: number;
  fista_step: number;
  quantize: OptionValue;
  quantize_target: "p" | "q";
  devices: number;
}

/** The state entries shared by every stage. */
const N: SetupNames = {
  rows: "admm.rows",
  rowIdentity: "admm.eye.rows",
  classIdentity: "admm.eye.classes",
  features: "admm.x",
  labels: "admm.y",
  rho: "admm.rho",
  nu: "admm.nu",
  history: "admm.history",
};
const LEVELS = "admm.levels";
const HIDDEN_IDENTITY = "admm.eye.hidden";
const OUTPUT_IDENTITY = "admm.eye.output";
/** The batch symbol of the training rows. */
const ROWS: Dim = "admm.rows";

const AUGMENT = "admm.augment";
const stageName = (depth: number) => `d${depth}`;

/** The result of a stage's report function: [objective, residual]. */
export const ADMM_REPORT = REPORT_RESULT;
/** The report function an iteration's phase (`d10.7`) runs. */
export const admmReportFunc = (phase: { name: string }) => `admm.${phase.name.split(".")[0]}.report`;

/** What the block must be beyond the options: located diagnostics. */
function blockProblems(spec: TrainSpec): Diagnostic[] {
  const unfit = SCHEDULE_CODES.unfitBlock.code;
  const out: Diagnostic[] = [];
  if (spec.loss.name !== "cross_entropy") {
    out.push(error(unfit, `ADMM fits the output layer to softmax cross-entropy, not \`${spec.loss.name}\``, spec.loss.span, { help: "write `loss = cross_entropy(mask = train)`" }));
  }
  if (spec.lrSchedule) out.push(error(unfit, "ADMM takes no learning rate: a learning-rate schedule does not apply", spec.lrSchedule.span, { help: "remove `lr_schedule = …`" }));
  if (spec.passes.length) out.push(error(unfit, "technique passes in a train block are not applied to a schedule's functions yet", spec.passes[0].span, { help: "remove `passes = […]`" }));
  return out;
}

/** The per-stage options as one value per stage, or the error of one that has another count. */
function perStage(spec: TrainSpec, o: Options, stages: number): Record<(typeof PER_STAGE)[number], number[]> | Diagnostic {
  const out = {} as Record<(typeof PER_STAGE)[number], number[]>;
  for (const name of PER_STAGE) {
    const v = o[name];
    if (Array.isArray(v) && v.length !== stages) {
      return error(SCHEDULE_CODES.listLength.code, `\`${name}\` has ${v.length} values, but ADMM trains ${stages} stage${stages === 1 ? "" : "s"}`, spec.schedule!.argSpans?.[name] ?? spec.schedule!.span, {
        help: "give one value per entry of `layers`, or one value for all stages",
      });
    }
    out[name] = Array.isArray(v) ? v : Array.from({ length: stages }, () => v);
  }
  return out;
}

const PER_STAGE = ["iterations", "rho", "nu", "mu"] as const;

function stageProblems(spec: TrainSpec, model: GaMlp, stages: number[]): Diagnostic[] {
  const at = spec.schedule!.argSpans?.layers ?? spec.schedule!.span;
  const unfit = SCHEDULE_CODES.unfitBlock.code;
  const depth = model.layers.length;
  const labels = spec.model ? [{ span: spec.model.span, message: `a model of ${depth} layers` }] : [];
  if (stages.some((d, k) => k > 0 && d <= stages[k - 1])) {
    return [error(SCHEDULE_CODES.outOfRange.code, `the stages of \`layers\` must grow: [${stages.join(", ")}]`, at, { help: "list the depths in increasing order, e.g. `layers = [2, 5, 10]`" })];
  }
  if (stages[stages.length - 1] !== depth) {
    return [error(unfit, `the last stage of \`layers\` must be the model's depth, ${depth}, not ${stages[stages.length - 1]}`, at, { labels, help: `end \`layers\` with ${depth}` })];
  }
  if (stages.length > 1) {
    const h = model.layers[0].dout;
    const square = model.layers.slice(1, -1).every((l) => l.din === h && l.dout === h);
    if (!square) return [error(unfit, "a warm start adds layers at the identity: the model's hidden layers must all be as wide as the first", at, { labels, help: "give every hidden layer the same width, or train one stage: `layers = [" + depth + "]`" })];
  }
  return [];
}

function lower(spec: TrainSpec, module: Module): { module: Module; program: ScheduleProgram } | Diagnostic[] {
  const checked = checkOptions("admm", OPTIONS, spec.schedule!);
  if (!checked.values) return checked.diagnostics;
  const o = checked.values as unknown as Options;
  const problems = blockProblems(spec);
  const model = recogniseGaMlp(module, spec.model?.span ?? spec.span);
  if (Array.isArray(model)) return [...problems, ...model];
  if (problems.length) return problems;
  const depth = model.layers.length;
  const stages = o.layers ?? [depth];
  const located = stageProblems(spec, model, stages);
  if (located.length) return located;
  const lists = perStage(spec, o, stages.length);
  if (!("rho" in lists)) return [lists];
  if (o.devices > depth) {
    return [error(SCHEDULE_CODES.outOfRange.code, `${o.devices} devices for ${depth} layers: each device needs a layer`, spec.schedule!.argSpans?.devices ?? spec.schedule!.span, { help: `use at most ${depth} devices` })];
  }
  const set = levelSet(o.quantize) as LevelSet | undefined;
  return build(spec, module, model, { o, stages, ...lists, set });
}

interface Plan {
  o: Options;
  stages: number[];
  iterations: number[];
  rho: number[];
  nu: number[];
  mu: number[];
  set?: LevelSet;
}

/** The entries of layer `l` (1-based) of a stage of depth D: hidden layers by index, the output layer its own. */
function layerEntries(model: GaMlp, D: number, l: number): LayerEntries {
  const name = (k: number) => (k === D ? "admm.out" : `admm.l${k}`);
  const shape = l === D ? model.layers[model.layers.length - 1] : model.layers[l - 1];
  const prefix = name(l);
  return {
    index: l,
    W: `${prefix}.W`,
    b: `${prefix}.b`,
    z: `${prefix}.z`,
    p: l === 1 ? N.features : `${prefix}.p`,
    din: shape.din,
    dout: shape.dout,
    ...(l < D ? { coupling: { q: `${prefix}.q`, u: `${prefix}.u`, next: `${name(l + 1)}.p` } } : {}),
    ...(l > 1 ? { previous: { q: `${name(l - 1)}.q`, u: `${name(l - 1)}.u` } } : {}),
    terms: `${prefix}.terms`,
  };
}

function build(spec: TrainSpec, module: Module, model: GaMlp, plan: Plan): { module: Module; program: ScheduleProgram } {
  const { o, stages, set } = plan;
  const span = spec.schedule!.span;
  const classes = datasetAttribute(spec.data, "num_classes");
  const depth = model.layers.length;
  const hidden = model.layers[0].dout;
  const output = model.layers[depth - 1];

  const params: ParamInfo[] = [];
  const declare = (name: string, shape: Dim[], init: ParamInfo["init"] = { kind: "zeros" }) => {
    if (!params.some((p) => p.name === name)) params.push({ name, type: { kind: "tensor", dtype: "f32", shape }, init, trainable: false, span });
  };
  declare(N.rowIdentity, [ROWS, ROWS], { kind: "identity" });
  declare(N.classIdentity, [classes, classes], { kind: "identity" });
  declare(N.features, [ROWS, model.layers[0].din]);
  declare(N.labels, [ROWS, classes]);
  declare(N.rho, []);
  declare(N.nu, []);
  declare(N.history, [2]);
  if (stages.length > 1) {
    declare(HIDDEN_IDENTITY, [hidden, hidden], { kind: "identity" });
    declare(OUTPUT_IDENTITY, [output.dout, output.din], { kind: "identity" });
  }
  if (set) declare(LEVELS, [set.values.length, 1], { kind: "values", values: set.values });

  const quantize = set ? { target: o.quantize_target, set, table: LEVELS } : undefined;
  const funcs: Func[] = [augmentFunc(AUGMENT, model, N, { rows: ROWS, classes, span })];
  const parts: Record<string, number> = {};
  const phases: Phase[] = [];
  const rows: InputSource = { from: "batch", rows: spec.loss.mask, size: "all", symbol: String(ROWS) };
  const run = (func: string, part?: string): PlanStep => ({ kind: "run", func, times: 1, inputs: func === AUGMENT ? { [N.rows]: rows } : {}, ...(part ? { part } : {}) });
  let iteration = 0;

  stages.forEach((D, s) => {
    const stage = stageName(D);
    const settings: UpdateSettings = {
      rows: ROWS,
      classes,
      rho: N.rho,
      nu: N.nu,
      mu: plan.mu[s],
      tau: o.tau,
      tries: o.tries,
      fista: { iterations: o.fista_iterations, tol: o.fista_tol, step: o.fista_step },
      labels: N.labels,
      ...(quantize ? { quantize } : {}),
      span,
    };
    const layers = Array.from({ length: D }, (_, k) => layerEntries(model, D, k + 1));
    for (const l of layers) {
      declare(l.W, [l.dout, l.din]);
      declare(l.b, [l.dout]);
      declare(l.z, [ROWS, l.dout]);
      if (l.index > 1) declare(l.p, [ROWS, l.din]);
      if (l.coupling) {
        declare(l.coupling.q, [ROWS, l.dout]);
        declare(l.coupling.u, [ROWS, l.dout]);
      }
      declare(l.terms, [2]);
    }
    const previous = s > 0 ? stages[s - 1] : undefined;
    const init = `admm.${stage}.init`;
    const report = admmReportFunc({ name: stage });
    const publish = `admm.${stage}.publish`;
    const modelLayer = (k: number) => (k === D - 1 ? model.layers[depth - 1] : model.layers[k]);
    funcs.push(
      stageInitFunc(
        init,
        {
          layers,
          kept: previous === undefined ? 0 : previous - 1,
          ...(previous === undefined ? { fromModel: layers.map((_, k) => modelLayer(k)) } : {}),
          identity: { hidden: HIDDEN_IDENTITY, output: OUTPUT_IDENTITY },
          rho: plan.rho[s],
          nu: plan.nu[s],
        },
        N,
        module.params,
        settings,
        (m, x, target) => (quantize && quantize.target === target ? project(m, x, quantize.set, m.param(LEVELS, m.f32(quantize.set.values.length, 1))) : x),
      ),
      reportFunc(report, layers, N, { factor: o.grow, max: o.rho_max, stall: o.stall }, span),
      publishFunc(publish, model, layers, HIDDEN_IDENTITY, module.params, span),
    );
    for (const l of layers) {
      if (l.previous) {
        funcs.push(pUpdateFunc(pFuncName(stage, l.index), l, settings));
        parts[pFuncName(stage, l.index)] = partOf(l, D, depth);
      }
      funcs.push(updateFunc(updateFuncName(stage, l.index), l, settings));
      parts[updateFuncName(stage, l.index)] = partOf(l, D, depth);
    }

    const every = spec.evalEvery ?? 1;
    for (let i = 0; i < plan.iterations[s]; i++) {
      iteration++;
      const last = i === plan.iterations[s] - 1;
      const evaluate = last || (i + 1) % every === 0;
      const label = (l: LayerEntries) => (l.coupling ? `layer ${l.index}` : `output layer ${l.index}`);
      const steps: PlanStep[] = [
        ...(iteration === 1 ? [run(AUGMENT)] : []),
        ...(i === 0 ? [run(init)] : []),
        ...layers.filter((l) => l.previous).map((l) => run(pFuncName(stage, l.index), label(l))),
        ...layers.map((l) => run(updateFuncName(stage, l.index), label(l))),
        run(report),
        ...(evaluate ? [run(publish)] : []),
      ];
      // Only the model's own depth is selected: a warm stage's network is shallower.
      const selectable = s === stages.length - 1;
      phases.push({ name: `${stage}.${i + 1}`, label: `${D} layers, iteration ${i + 1}`, pass: iteration, steps, evaluate, ...(selectable ? {} : { selectable }) });
    }
  });

  const q = set ? `, -Q: ${o.quantize_target} on ${set.text} (${set.values.length} levels)` : "";
  const summary = `admm: GA-MLP of ${depth} layers over [X, ÂX, …, Â^${model.K}X], stages [${stages.join(", ")}] of [${plan.iterations.join(", ")}] iterations${q}`;
  const quantized: Record<string, string> = {};
  if (quantize) {
    for (const p of params) {
      const tail = p.name.split(".").pop();
      if (p.name.startsWith("admm.l") || p.name.startsWith("admm.out")) if (tail === quantize.target) quantized[p.name] = LEVELS;
    }
  }
  return {
    module: { ...module, params: [...module.params, ...params], funcs: [...module.funcs.filter((f) => f.name === model.predict.name), ...funcs] },
    program: {
      kind: "admm",
      summary,
      phases,
      transient: params.filter((p) => p.name.endsWith(".terms")).map((p) => p.name),
      placement: { parts, count: depth, devices: o.devices, quantized },
    },
  };
}

/** Layer l of a stage of depth D belongs to part l − 1, its output layer to the model's last part. */
function partOf(l: LayerEntries, D: number, depth: number): number {
  return l.index === D ? depth - 1 : l.index - 1;
}

export const ADMM: ScheduleKind = {
  name: "admm",
  summary: "pdADMM-G(-Q): gradient-free, layer-parallel training of a graph-augmented MLP",
  options: OPTIONS,
  uses: { model: true, epochs: false, optimizer: false },
  lower,
};
