import { error, type Diagnostic } from "../../../grammar/diagnostics.js";
import { placeholderSpan } from "../../../grammar/span.js";
import type { Func, Module, ParamInfo } from "../../ir/types.js";
import { PREDICT_FUNC, TRAIN_STEP_FUNC } from "../../ir/training.js";
import { PASS_CODES } from "../codes.js";
import type { Pass } from "../pass.js";
import type { Built } from "./built.js";
import { SPARSE_MIN_WIDTH, SPARSIFY_OPTIONS, type SparsifyOptions } from "./options.js";
import { sparseTraining } from "./sparse-training.js";
import { afterUpdate, stepsOf } from "./step-edit.js";
import { targetsOf, weightMatrices, type Target } from "./targets.js";
import { trainAndPrune } from "./train-prune.js";

/**
 * `sparsify`: weight sparsification of a train block, `passes = [sparsify(density = 0.1, method =
 * rigl, distribution = erk, every = 50, drop = 0.5)]` (techniques.md §5). A training-stage pass:
 * it rewrites the lowered `train_step` and `predict`, adds the functions its method runs at
 * particular steps, and says when in the module's step plan (compiler/ir/step-plan.ts), which the
 * trainer follows. Every numeric update (masking, dropping, regrowing, projecting, ADMM's duals)
 * is IR, so both devices run it and the FLOP count sees it.
 *
 * Contract: it changes training on purpose — each weight matrix (targets.ts) gets a mask, a
 * non-trainable parameter `<param>_mask`; the weights stay zero outside it (the update reads the
 * masked gradient, and whatever changes a mask masks the weight and its optimizer states). Biases
 * and other parameters train as before. Weights below `sparse_below` density, and at least
 * SPARSE_MIN_WIDTH wide both ways, multiply through their compressed mask (sp.matmul, sp.sddmm:
 * the same values as the dense products of masked weights, up to rounding), where the mask's
 * non-zero count is fixed; the compressed pattern is then a parameter `<param>_pattern`, written
 * wherever the mask is (except gmp, whose masks shrink step by step). Functions other than the
 * training step that write a weight (a soup's mixes, which average sparse ingredients into a
 * denser tensor) have that write projected onto the layer's sparse set — its `keep` largest
 * magnitudes (sp.topk) — and `predict`, given such weights without a mask, multiplies densely.
 * Methods: sparse-training.ts
 * (rigl, set, gmp) and train-prune.ts (prune_admm, prune_slr).
 */
export const sparsify: Pass<SparsifyOptions> = {
  name: "sparsify",
  description:
    "Training stage: sparse weight matrices. Masks every trainable matrix a matmul reads (not biases or norms) to `density` overall " +
    "(erk or uniform per layer); rigl/set keep the non-zeros constant and move them every `every` steps (regrow by gradient or at random), " +
    "gmp prunes gradually, prune_admm/prune_slr train dense, then with an ADMM penalty, hard-prune and retrain. Sparse layers multiply through their compressed masks.",
  options: SPARSIFY_OPTIONS,
  stage: "training",
  run(module, ctx, o) {
    const at = ctx.span ?? module.span ?? placeholderSpan();
    const fail = (code: string, message: string, help?: string) => ({ module, changed: false, diagnostics: [error(code, message, at, help ? { help } : {})] });
    const step = module.funcs.find((f) => f.name === TRAIN_STEP_FUNC);
    const predict = module.funcs.find((f) => f.name === PREDICT_FUNC);
    if (!step || !predict) {
      return fail(PASS_CODES.sparsifyNeedsTraining.code, `pass \`sparsify\` needs the lowered training functions; module \`${module.name}\` has no \`${TRAIN_STEP_FUNC}\``, "list it in the `passes` of a train block with epochs, or of a soup (its ingredients train sparse); other schedules' functions are not sparsified");
    }
    if (module.steps) return fail(PASS_CODES.sparsifyUnsupported.code, "pass `sparsify` cannot run after another pass that planned the training steps");
    const prune = o.method === "prune_admm" || o.method === "prune_slr";
    if (prune && !(o.dense < o.penalty)) {
      return fail(PASS_CODES.sparsifyPhases.code, `the penalty phase must end after dense training: dense = ${o.dense} ≥ penalty = ${o.penalty}`, "dense < penalty, both fractions of the block's epochs (defaults 0.3 and 0.6)");
    }
    const params = weightMatrices(module, step);
    if (params.length === 0) {
      return fail(PASS_CODES.noWeightsToSparsify.code, `\`sparsify\`: model \`${module.name}\` has no weight matrix to sparsify`, "it masks trainable matrices that a matmul reads (Linear and conv weights); biases, norms and attention vectors stay dense");
    }
    const targets = targetsOf(params, module.symbols, o.density, o.distribution);
    if ("unknown" in targets) {
      return fail(
        PASS_CODES.sparsifyUnsupported.code,
        `\`sparsify\`: the size of \`${targets.unknown.name}\` is not known when compiling`,
        "the masks are sized when compiling, from the dataset's sizes (`num_features`, …): is the dataset found? (--data-dir DIR or GNNC_DATA_DIR)",
      );
    }
    const problem = checkTargets(module, step, targets);
    if (problem) return fail(PASS_CODES.sparsifyUnsupported.code, problem);

    const sparse = (t: Target) => !t.param.stacked && t.keep < o.sparse_below * t.size && Math.min(t.rows, t.cols) >= SPARSE_MIN_WIDTH;
    // Other functions that write a weight (a soup's mixes) hand `predict` weights without masks.
    const writers = module.funcs.filter((f) => f.name !== TRAIN_STEP_FUNC && targets.some((t) => f.resultNames.includes(t.param.name)));
    const evaluated = writers.length ? () => false : sparse;
    const built: Built = prune ? trainAndPrune(step, targets, o, sparse) : sparseTraining(step, predict, targets, o, sparse, evaluated);
    if (writers.length) ctx.log(`sparsify: ${writers.map((f) => f.name).join(", ")} write the weights too: their results are projected onto each layer's kept count, and predict multiplies densely`);
    for (const t of targets) {
      ctx.log(`sparsify: ${t.param.name} keeps ${t.keep} of ${t.size} per layer (${((100 * t.keep) / t.size).toFixed(1)}%)${sparse(t) ? ", compressed matmuls" : ""}`);
    }
    const masks: ParamInfo[] = targets.map((t) => ({
      name: t.mask,
      type: t.param.type,
      init: { kind: "ones" },
      trainable: false,
      ...(t.param.stacked ? { stacked: true } : {}),
      ...(t.param.span ? { span: t.param.span } : {}),
    }));
    const out: Module = { ...module, params: [...module.params, ...masks, ...built.state], funcs: replaceFuncs(module.funcs, [...built.funcs, ...writers.map((f) => projected(f, targets))]), steps: built.plan };
    return { module: out, changed: true, diagnostics: [] as Diagnostic[] };
  },
};

/** Why the targets cannot be masked here, or undefined. */
function checkTargets(module: Module, step: Func, targets: readonly Target[]): string | undefined {
  const taken = new Set([...module.params.map((p) => p.name), ...module.funcs.map((f) => f.name)]);
  const clash = targets.flatMap((t) => [t.mask, t.pattern]).find((name) => taken.has(name));
  if (clash) return `\`sparsify\`: the name \`${clash}\` it would give a mask or its pattern is already taken`;
  const steps = stepsOf(step, targets);
  const odd = targets.find((_, k) => !steps[k]);
  return odd ? `\`sparsify\`: the training step does not update \`${odd.param.name}\` as lowering does (did a pass before it change the step?)` : undefined;
}

/** `func` with each weight it writes projected onto the target's sparse set: its `keep` largest magnitudes. */
function projected(func: Func, targets: readonly Target[]): Func {
  return afterUpdate(func, (b, results) => {
    for (const t of targets) {
      const at = func.resultNames.indexOf(t.param.name);
      if (at < 0) continue;
      b.at(t.param.span);
      results[at] = b.emit("sp.topk", [results[at]], { keep: t.keep });
    }
  });
}

/** `funcs` with each of `added` replacing the function of its name, or appended. */
function replaceFuncs(funcs: readonly Func[], added: readonly Func[]): Func[] {
  const byName = new Map(added.map((f) => [f.name, f]));
  return [...funcs.map((f) => byName.get(f.name) ?? f), ...added.filter((f) => !funcs.some((g) => g.name === f.name))];
}
