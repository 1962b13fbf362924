import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { differentiate, gradResultName } from "../autodiff/index.js";
import type { TrainSpec } from "./spec.js";
import { BuildError, FuncBuilder } from "../ir/builder.js";
import type { Func, Module, ParamInfo } from "../ir/types.js";
import { TRAIN_CODES } from "./codes.js";
import { FORWARD_FUNC } from "./names.js";
import { buildLossFunc, LOSS_RESULT } from "./loss-func.js";
import { emitOptimizerStep } from "./optimizer-step.js";
import { inputName } from "../ir/struct-views.js";
import { TRAIN_STEP_FUNC } from "../ir/training.js";

export const LOSS_FUNC = "loss";
export { TRAIN_STEP_FUNC };

/** Inputs a dataset may supply besides the features and the graph: per-edge data, and graph ids of a set of graphs. */
export const EDGE_DATA_INPUTS = ["edge_weight", "edge_attr", "batch"] as const;

/** The inputs the runtime can bind for a model's forward (features, graph, dropout key, edge data, batch vector). */
export const DATA_INPUTS: readonly string[] = ["x", "graph", "rng", ...EDGE_DATA_INPUTS];

/**
 * Lower a checked train block onto its module: adds `loss` (forward + the loss on inputs `labels`
 * and `mask`) and `train_step` (the loss, its gradients, optional global-norm clipping, then the
 * optimizer's update of every trainable parameter with its group's options). `train_step` takes
 * the forward's inputs plus `labels`, `mask`, the learning rate(s) and the step count `t`, and
 * returns `loss`, then every updated parameter and optimizer state and every updated buffer under
 * its own name, so a runtime (the interpreter or the GPU) just swaps values.
 * Optimizer states are non-trainable `Module.params` entries `opt.<state>.<param>`, zeros at start.
 */
export function lowerTraining(module: Module, spec: TrainSpec): Module | Diagnostic[] {
  const forward = module.funcs.find((f) => f.name === FORWARD_FUNC);
  if (!forward) {
    return [error(TRAIN_CODES.noForward.code, `module \`${module.name}\` has no \`forward\` function to train`, spec.span)];
  }
  const problems = unsupported(forward, spec);
  if (problems.length) return problems;

  const lossFunc = buildLossFunc(forward, spec.loss);
  if (Array.isArray(lossFunc)) return lossFunc;
  const grads = differentiate(lossFunc, {
    losses: [{ result: LOSS_RESULT, wrt: ["*"] }],
    params: module.params,
    name: TRAIN_STEP_FUNC,
    span: spec.loss.span,
  });
  if (Array.isArray(grads)) return grads;

  try {
    const { step, states } = buildStep(grads, lossFunc, module.params, spec);
    const keep = module.funcs.filter((f) => f.name !== LOSS_FUNC && f.name !== TRAIN_STEP_FUNC);
    return { ...module, params: [...module.params, ...states], funcs: [...keep, lossFunc, step] };
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    // The optimizer ops reject only what the frontend should have caught: report it, don't crash.
    return [error(TRAIN_CODES.stepBuildFailed.code, `internal error: cannot build the optimizer step: ${e.message}`, e.span ?? spec.optimizer!.span)];
  }
}

/** Training features of the spec or the model that lowering does not handle, each reported rather than ignored. */
function unsupported(forward: Func, spec: TrainSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  // The pipeline hands a scheduled block to its kind (compiler/schedules); epoch lowering never trains one.
  if (spec.schedule) {
    out.push(error(TRAIN_CODES.unsupportedSchedule.code, `training schedule \`${spec.schedule.name}\` is lowered by its schedule kind, not by epoch training`, spec.schedule.span));
  }
  const optimizer = spec.optimizer;
  if (optimizer?.clipNorm !== undefined && !(optimizer.clipNorm > 0)) {
    out.push(error(TRAIN_CODES.badClipNorm.code, `clip_norm must be > 0, got ${optimizer.clipNorm}`, optimizer.span));
  }
  const supplied = suppliedInputs(spec);
  for (const n of forward.body) {
    const name = inputName(n);
    if (name !== undefined && (EDGE_DATA_INPUTS as readonly string[]).includes(name) && supplied && !supplied.includes(name)) {
      out.push(
        error(TRAIN_CODES.unknownInput.code, `the model's forward takes input \`${name}\`, which dataset \`${spec.data.name}\` does not have`, n.span ?? spec.model?.span ?? spec.span, {
          help: supplied.length ? `it supplies ${supplied.map((s) => `\`${s}\``).join(", ")} besides x and the graph` : "it supplies only the features `x` and the graph",
        }),
      );
    }
    if (name !== undefined && !DATA_INPUTS.includes(name)) {
      out.push(
        error(TRAIN_CODES.unknownInput.code, `the model's forward takes input \`${name}\`, which the dataset cannot supply`, n.span ?? spec.model?.span ?? spec.span, {
          help: "a trained model's forward takes the features and the graph — `forward(x: f32[N, F], g: graph[N])` — and, where the dataset has them, `edge_weight: f32[E]`, `edge_attr: f32[E, D]` or `batch: i32[N]`",
        }),
      );
    }
  }
  return out;
}

/** The extra inputs (edge data, batch vector) the train block's dataset supplies, when known before loading it. */
function suppliedInputs(spec: TrainSpec): readonly string[] | undefined {
  if (spec.data.source.kind === "csbm") return [];
  if (spec.data.source.kind === "graphs") return spec.data.source.edge_features > 0 ? ["edge_attr", "batch"] : ["batch"];
  return spec.data.info ? spec.data.info.inputs ?? [] : undefined;
}

function buildStep(grads: Func, lossFunc: Func, params: readonly ParamInfo[], spec: TrainSpec): { step: Func; states: ParamInfo[] } {
  const b = new FuncBuilder(TRAIN_STEP_FUNC, grads);
  const updates = emitOptimizerStep(b, grads, params, spec.optimizer!);
  const results = [grads.results[0], ...updates.results];
  const names = [LOSS_RESULT, ...updates.names];
  // Updated buffers (running statistics) come after the loss in `loss`'s results.
  lossFunc.resultNames.slice(1).forEach((name, k) => {
    results.push(grads.results[1 + k]);
    names.push(name);
  });
  return { step: b.finish(results, names), states: updates.states };
}
