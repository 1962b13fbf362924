import type { Expr, TrainDecl, TrainEntry } from "../../grammar/ast.js";
import { error } from "../../grammar/diagnostics.js";
import { joinSpans, type Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import type { Module } from "../ir/types.js";
import { buildModule } from "./build-module.js";
import { classCountProblems, outputWidth } from "../train/class-count.js";
import type { DatasetRef } from "../train/dataset.js";
import type { DatasetTable } from "./datasets.js";
import { evaluate } from "./eval.js";
import { exprText } from "./expr-text.js";
import type { BlockInstance } from "./instance.js";
import type { Instantiator } from "./instantiate.js";
import { getLayer } from "./layers/index.js";
import { LIMITS, type Limit } from "../train/limits.js";
import { Abort, didYouMeanHelp, Reporter } from "./report.js";
import { bindOptions, freeValue, literalNumber, splitName } from "./train-options.js";
import { checkOptimizer } from "./train-optimizer.js";
import { applyModelPasses, isModelPass } from "./model-passes.js";
import { checkPasses } from "./train-passes.js";
import {
  LOSSES,
  LR_SCHEDULES,
  METRICS,
  SCHEDULES,
  type LossName,
  type MetricName,
  type MetricSpec,
  type ModelCall,
  type OptionValue,
  type PassSpec,
  type SelectSpec,
  type SplitName,
  type TrainSpec,
} from "../train/spec.js";
import { inputName } from "../ir/struct-views.js";
import { scheduleKind, scheduleOptionProblems } from "../schedules/kinds.js";
import { SCHEDULE_CODES } from "../schedules/codes.js";
import type { ScheduleUses } from "../schedules/program.js";

const KEYS = ["data", "model", "loss", "optimizer", "epochs", "select", "report", "schedule", "lr_schedule", "passes", "seed", "eval_every", "patience"];
const REQUIRED = ["data", "model", "loss", "optimizer", "epochs"];

export interface TrainEnv {
  reporter: Reporter;
  datasets: DatasetTable;
  instantiator: Instantiator;
  /** The .gnn file and how paths relative to it resolve (user passes). */
  file: string;
  resolvePath: (from: string, spec: string) => string;
  /** Reads a user pass's file; the file system by default. */
  readFile?: (path: string) => string | undefined;
}

/** Check a train block and compile its model; both are undefined if anything failed. */
export function checkTrain(decl: TrainDecl, env: TrainEnv): { spec?: TrainSpec; module?: Module } {
  const r: Reporter = env.reporter;
  const before = r.errors;
  const uses = scheduleUses(decl);
  const entries = entryMap(decl, r, uses);
  const attempt = <T>(key: string, check: (e: TrainEntry) => T): T | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    try {
      return check(entry);
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
      return undefined;
    }
  };
  const data = attempt("data", (e) => checkData(e.value, env));
  // Passes first: model-stage ones (`to_reversible`) rewrite the model before its module is built.
  // Their diagnostics join the others in the block's order, after the schedules.
  const passCheck = new Reporter();
  const passes = attempt("passes", (e) => checkPasses(e.value, env, passCheck)) ?? [];
  const modelPasses = passes.filter(isModelPass);
  const compiled = uses?.model === false ? scheduleModule(decl, data) : attempt("model", (e) => checkModel(e.value, decl, data, modelPasses, env));
  const members = compiled?.instance ? [...compiled.instance.members.keys()] : undefined;
  const loss = attempt("loss", (e) => checkLoss(e.value, r));
  const optimizer = attempt("optimizer", (e) => checkOptimizer(e.value, members, r));
  const epochs = attempt("epochs", (e) => wholeNumber(e, 1, LIMITS.epochs, r));
  const seed = attempt("seed", (e) => wholeNumber(e, 0, LIMITS.seed, r));
  const evalEvery = attempt("eval_every", (e) => wholeNumber(e, 1, LIMITS.epochs, r));
  const selectEntry = entries.get("select");
  const select = attempt("select", (e) => checkSelect(e.value, r)) ?? { kind: "last", span: decl.name.span };
  const patience = attempt("patience", (e) => checkPatience(e, selectEntry, r));
  const report = attempt("report", (e) => checkReport(e.value, r)) ?? [];
  const schedule = attempt("schedule", (e) => namedCall(e.value, "schedule", SCHEDULES, "E507", r));
  if (schedule) r.add(scheduleOptionProblems(schedule, data));
  const lrSchedule = attempt("lr_schedule", (e) => namedCall(e.value, "learning-rate schedule", LR_SCHEDULES, "E508", r));
  r.add(passCheck.diagnostics);
  if (data && compiled?.call) checkClassCount(compiled.module, data, compiled.call, r);
  if (r.errors > before || !data || !compiled || !loss || (!optimizer && uses?.optimizer !== false) || (epochs === undefined && uses?.epochs !== false)) return {};
  const spec: TrainSpec = {
    name: decl.name.name,
    span: decl.span,
    module: compiled.module.name,
    data,
    ...(compiled.call ? { model: compiled.call } : {}),
    loss,
    ...(optimizer ? { optimizer } : {}),
    ...(lrSchedule ? { lrSchedule } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(evalEvery !== undefined ? { evalEvery } : {}),
    ...(patience !== undefined ? { patience } : {}),
    select,
    report,
    ...(schedule ? { schedule } : {}),
    passes: passes.filter((p) => !isModelPass(p)),
    ...(modelPasses.length ? { modelPasses } : {}),
  };
  return { spec, module: compiled.module };
}

/**
 * The train-block keys the block's schedule reads, when the block names a schedule kind that is
 * built (compiler/schedules); undefined otherwise (every key as without a schedule).
 */
function scheduleUses(decl: TrainDecl): ScheduleUses | undefined {
  const value = decl.entries.find((e) => e.key.name === "schedule")?.value;
  const callee = value?.kind === "Call" ? value.callee : value;
  const name = callee?.kind === "Name" ? callee.name : undefined;
  return name !== undefined && (SCHEDULES as readonly string[]).includes(name) ? scheduleKind(name as (typeof SCHEDULES)[number]).uses : undefined;
}

/** The module of a block whose schedule builds its own functions: none yet, the dataset's sizes as symbols. */
function scheduleModule(decl: TrainDecl, data: DatasetRef | undefined): { call?: undefined; instance?: undefined; module: Module } {
  const sizes = data?.sizes;
  const symbols: Record<string, number> = {};
  if (sizes?.numNodes !== undefined) symbols.N = sizes.numNodes;
  if (sizes?.numEdges !== undefined) symbols.E = sizes.numEdges;
  return { module: { name: decl.name.name, symbols, params: [], funcs: [], span: decl.span } };
}

const UNUSED_HELP = {
  model: "the schedule builds its own functions from its options: remove `model = …`",
  epochs: "the schedule's options set how long it trains: remove `epochs = …`",
  optimizer: "the schedule trains without gradients: remove `optimizer = …`",
};

/** Entries by key: unknown and repeated keys are reported, required ones checked (a schedule's unused keys are refused instead). */
function entryMap(decl: TrainDecl, r: Reporter, uses?: ScheduleUses): Map<string, TrainEntry> {
  const out = new Map<string, TrainEntry>();
  for (const e of decl.entries) {
    const key = e.key.name;
    if (!KEYS.includes(key)) {
      r.error("E501", `unknown key \`${key}\` in train block \`${decl.name.name}\``, e.key.span, {
        help: didYouMeanHelp(didYouMean(key, KEYS)) ?? `the keys are ${KEYS.map((k) => `\`${k}\``).join(", ")}`,
      });
      continue;
    }
    const prev = out.get(key);
    if (prev) {
      r.error("E502", `\`${key}\` is given twice in train block \`${decl.name.name}\``, e.key.span, {
        labels: [{ span: prev.key.span, message: "first given here" }],
      });
      continue;
    }
    out.set(key, e);
  }
  const unused = uses ? (["model", "epochs", "optimizer"] as const).filter((k) => uses[k] === false) : [];
  for (const key of unused) {
    const e = out.get(key);
    if (!e) continue;
    out.delete(key);
    r.add([
      error(SCHEDULE_CODES.unusedKey.code, `\`${key}\` is not used with this block's schedule`, e.key.span, {
        help: UNUSED_HELP[key],
      }),
    ]);
  }
  const missing = REQUIRED.filter((k) => !out.has(k) && !(unused as readonly string[]).includes(k));
  if (missing.length > 0) {
    r.error("E503", `train block \`${decl.name.name}\` is missing ${missing.map((k) => `\`${k}\``).join(", ")}`, decl.name.span, {
      help: `a train block needs ${REQUIRED.map((k) => `\`${k}\``).join(", ")}`,
    });
  }
  return out;
}

function checkData(value: Expr, env: TrainEnv): DatasetRef {
  if (value.kind === "Name") {
    const ref = env.datasets.get(value.name);
    if (ref) return ref;
    if (env.datasets.names().includes(value.name)) throw new Abort(); // its declaration already reported
    return env.reporter.fail("E201", `unknown dataset \`${value.name}\``, value.span, {
      help: didYouMeanHelp(didYouMean(value.name, env.datasets.names())) ?? "declare it with `dataset name = load(\"name\")`, or write `data = load(\"name\")`",
    });
  }
  return env.datasets.check(value, undefined, value.span);
}

function checkModel(
  value: Expr,
  decl: TrainDecl,
  data: DatasetRef | undefined,
  modelPasses: readonly PassSpec[],
  env: TrainEnv,
): { call: ModelCall; instance: BlockInstance; module: Module } {
  const r: Reporter = env.reporter;
  if (value.kind !== "Call" || value.callee.kind !== "Name") {
    return r.fail("E512", `\`model\` is a call of a model, e.g. \`GCN(cora.num_features, cora.num_classes)\`, found \`${exprText(value)}\``, value.span);
  }
  const name = value.callee.name;
  const template = env.instantiator.template(name);
  if (!template || template.kind !== "Model") {
    const what = template ? "a block" : getLayer(name) ? "a layer" : undefined;
    if (what) {
      return r.fail("E211", `\`${name}\` is ${what}; \`model =\` needs a model`, value.callee.span, {
        help: template ? `declare it with \`model ${name}(...)\`` : `wrap it in a model: \`model Net(...) { layer = ${name}(...) forward(...) = ... }\``,
      });
    }
    return r.fail("E202", `unknown model \`${name}\``, value.callee.span, { help: didYouMeanHelp(didYouMean(name, env.instantiator.modelNames())) });
  }
  const scope = env.instantiator.staticScope(new Map());
  const args = value.args.map((a) => ({ name: a.name, value: evaluate(a.value, scope), span: a.value.span }));
  const written = env.instantiator.instantiateTemplate(template, args, value.span);
  const request = { name: decl.name.name, span: decl.span, symbols: {} };
  const instance = applyModelPasses(written, modelPasses, {
    reporter: r,
    instantiator: env.instantiator,
    elaborate: (model, onStackCall) => void buildModule({ ...request, model, onStackCall }, env.instantiator, r),
  });
  const module = buildModule({ ...request, model: instance }, env.instantiator, r);
  return { call: modelCall(name, written, value.span), instance, module: data ? withDataSymbols(module, data) : module };
}

function modelCall(name: string, inst: BlockInstance, span: Span): ModelCall {
  const args: Record<string, number | boolean | string> = {};
  for (const [k, v] of inst.params) {
    if (v.kind === "int" || v.kind === "float" || v.kind === "bool" || v.kind === "str") args[k] = v.value;
  }
  return { name, args, span };
}

/** Output width against the dataset's classes, when both are known here (else when the data is loaded). */
function checkClassCount(module: Module, data: DatasetRef, call: ModelCall, r: Reporter): void {
  const classes = data.sizes.numClasses;
  const width = outputWidth(module.funcs[0], module.symbols);
  if (classes === undefined || width === undefined) return;
  r.add(classCountProblems(width, classes, { dataset: data.name, modelSpan: call.span, modelName: call.name }));
}

/** The graph input's node and edge symbols take the dataset's sizes when those are known. */
function withDataSymbols(m: Module, data: DatasetRef): Module {
  const graph = m.funcs[0].body.find((n) => inputName(n) !== undefined && n.type.kind === "graph")?.type;
  if (graph?.kind !== "graph") return m;
  const symbols: Record<string, number> = { ...m.symbols };
  if (typeof graph.nodes === "string" && data.sizes.numNodes !== undefined) symbols[graph.nodes] = data.sizes.numNodes;
  if (typeof graph.edges === "string" && data.sizes.numEdges !== undefined) symbols[graph.edges] = data.sizes.numEdges;
  // B, the number of graphs a graph-level model pools into (global_*_pool), like N and E.
  if (data.sizes.numGraphs !== undefined) symbols.B = data.sizes.numGraphs;
  return { ...m, symbols };
}

function checkLoss(value: Expr, r: Reporter) {
  const call = value.kind === "Call" ? value : undefined;
  const callee = call ? call.callee : value;
  const name = callee.kind === "Name" ? callee.name : exprText(callee);
  if (!(LOSSES as readonly string[]).includes(name)) {
    return r.fail("E504", `unknown loss \`${name}\``, callee.span, {
      help: didYouMeanHelp(didYouMean(name, LOSSES)) ?? `the losses are ${LOSSES.map((l) => `\`${l}\``).join(", ")}`,
    });
  }
  if (name === "reconstruction") {
    const opts = bindOptions(call?.args ?? [], [{ name: "mask_rate", kind: "number", positional: true, min: 0, max: 1, maxExclusive: true }], { callee: name, reporter: r });
    return { name: "reconstruction" as const, mask: "train" as SplitName, maskRate: (opts.get("mask_rate")?.value as number | undefined) ?? 0, span: value.span };
  }
  const opts = bindOptions(call?.args ?? [], [{ name: "mask", kind: "split", positional: true }], { callee: name, reporter: r });
  return { name: name as LossName, mask: ((opts.get("mask")?.value as string | undefined) ?? "train") as SplitName, span: value.span };
}

/** What each whole-number key means, shown when its value is wrong. */
const WHOLE_NUMBER_HELP: Record<string, string> = {
  epochs: "`epochs = 200` trains for 200 epochs",
  seed: "`seed = 0` seeds initialisation and dropout",
  eval_every: "`eval_every = 1` evaluates after every epoch, `eval_every = 5` after every fifth",
  patience: "`patience = 20` stops after 20 evaluations in a row without a better selection metric",
};

function wholeNumber(e: TrainEntry, min: number, limit: Limit, r: Reporter): number {
  const n = literalNumber(e.value, r);
  if (n === undefined || !Number.isInteger(n) || n < min) {
    const help = WHOLE_NUMBER_HELP[e.key.name];
    return r.fail("E512", `\`${e.key.name}\` must be a ${min > 0 ? "positive" : "non-negative"} whole number, found \`${exprText(e.value)}\``, e.value.span, help ? { help } : {});
  }
  if (n > limit.max) return r.fail("E406", `\`${e.key.name}\` must be in [${min}, ${limit.max}], found \`${exprText(e.value)}\``, e.value.span, { help: limit.why });
  return n;
}

/**
 * Early stopping counts evaluations without a better selection metric, so it needs one:
 * with `select = last` (or no `select`) there is nothing to watch and `patience` would do nothing.
 */
function checkPatience(e: TrainEntry, select: TrainEntry | undefined, r: Reporter): number {
  const n = wholeNumber(e, 1, LIMITS.epochs, r);
  const last = select?.value.kind === "Name" && select.value.name === "last";
  // `best(…)`, or a malformed select that has already been reported.
  if (select && !last) return n;
  return r.fail("E515", "`patience` needs `select = best(split.metric)`: early stopping watches the selection metric", joinSpans(e.key.span, e.value.span), {
    ...(select ? { labels: [{ span: select.value.span, message: "this selects the last epoch: no metric is watched" }] } : {}),
    help: `${select ? "write" : "add"} \`select = best(val.accuracy)\`, or remove \`patience\``,
  });
}

function checkSelect(value: Expr, r: Reporter): SelectSpec {
  if (value.kind === "Name" && value.name === "last") return { kind: "last", span: value.span };
  if (value.kind === "Call" && value.callee.kind === "Name" && value.callee.name === "best" && value.args.length === 1 && !value.args[0].name) {
    const m = splitMetric(value.args[0].value, r);
    return { kind: "best", split: m.split, metric: m.metric, span: value.span };
  }
  return r.fail("E510", `\`select\` is \`best(split.metric)\` or \`last\`, found \`${exprText(value)}\``, value.span, {
    help: "e.g. `select = best(val.accuracy)`",
  });
}

/** `val.accuracy` (in select) or `accuracy(val)` (in report). */
function splitMetric(e: Expr, r: Reporter): { split: SplitName; metric: MetricName } {
  let splitExpr: Expr | undefined;
  let metricName: string | undefined;
  let metricSpan: Span = e.span;
  if (e.kind === "Member") {
    splitExpr = e.object;
    metricName = e.property.name;
    metricSpan = e.property.span;
  } else if (e.kind === "Call" && e.callee.kind === "Name" && e.args.length === 1 && !e.args[0].name) {
    splitExpr = e.args[0].value;
    metricName = e.callee.name;
    metricSpan = e.callee.span;
  }
  if (!splitExpr || metricName === undefined) {
    return r.fail("E512", `expected a metric such as \`accuracy(val)\` or \`val.accuracy\`, found \`${exprText(e)}\``, e.span);
  }
  const split = splitName(splitExpr, r);
  if (!(METRICS as readonly string[]).includes(metricName)) {
    r.fail("E506", `unknown metric \`${metricName}\``, metricSpan, {
      help: didYouMeanHelp(didYouMean(metricName, METRICS)) ?? `the metrics are ${METRICS.map((m) => `\`${m}\``).join(", ")}`,
    });
  }
  if (split === undefined) throw new Abort();
  return { split: split as SplitName, metric: metricName as MetricName };
}

function checkReport(value: Expr, r: Reporter): MetricSpec[] {
  const items = value.kind === "List" ? value.elements : [value];
  const before = r.errors;
  const out: MetricSpec[] = [];
  for (const item of items) {
    try {
      out.push({ ...splitMetric(item, r), span: item.span });
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
    }
  }
  if (r.errors > before) throw new Abort();
  return out;
}

/** `decoupled(modules = 3)`, `cosine(t_max = 200)`: a known name with free-form named options. */
function namedCall<N extends string>(value: Expr, what: string, names: readonly N[], code: "E507" | "E508", r: Reporter): { name: N; args: Record<string, OptionValue>; argSpans: Record<string, Span>; span: Span } {
  const call = value.kind === "Call" ? value : undefined;
  const callee = call ? call.callee : value;
  const name = callee.kind === "Name" ? callee.name : exprText(callee);
  if (!(names as readonly string[]).includes(name)) {
    return r.fail(code, `unknown ${what} \`${name}\``, callee.span, {
      help: didYouMeanHelp(didYouMean(name, names)) ?? `the choices are ${names.map((n) => `\`${n}\``).join(", ")}`,
    });
  }
  const args: Record<string, OptionValue> = {};
  const argSpans: Record<string, Span> = {};
  for (const a of call?.args ?? []) {
    if (!a.name) r.fail("E404", `options of \`${name}\` are named: \`option = value\``, a.span);
    const v = freeValue(a.value, r);
    if (v === undefined) throw new Abort();
    args[a.name.name] = v;
    argSpans[a.name.name] = joinSpans(a.name.span, a.value.span);
  }
  return { name: name as N, args, argSpans, span: value.span };
}
