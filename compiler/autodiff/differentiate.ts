import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import { placeholderSpan, type Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { BuildError, FuncBuilder } from "../ir/builder.js";
import { formatType } from "../ir/type-utils.js";
import type { Func, Node, ParamInfo } from "../ir/types.js";
import { AUTODIFF_CODES } from "./codes.js";
import { checkGradientPaths } from "./check-paths.js";
import { gradientPaths } from "./gradient-paths.js";
import { pruneBackward } from "./prune-backward.js";
import { backwardOf, GradientRuleError } from "./sweep.js";
import { selectParams, type Candidate } from "./select-params.js";
import { paramName } from "../ir/struct-views.js";

/** One loss: a result of the function, and the parameters (names, dotted prefixes or `*`) it trains. */
export interface LossSpec {
  result: string;
  wrt: readonly string[];
}

export interface DifferentiateOptions {
  losses: readonly LossSpec[];
  /** Name of the new function; `<func>_grad` by default. */
  name?: string;
  /**
   * The module's parameter table. When given, only trainable parameters can be selected (buffers
   * such as running statistics never get a gradient) and results follow the table's order;
   * otherwise every `s.param` of the function is a candidate, in order of appearance.
   */
  params?: readonly ParamInfo[];
  /** Where diagnostics without a node of their own point (the pipeline entry). */
  span?: Span;
}

/** Name of the result that holds the gradient of `param`. */
export function gradResultName(param: string): string {
  return `grad.${param}`;
}

/**
 * Reverse-mode autodiff. The result is a new function: the forward's nodes (ids preserved), then
 * the backward's; its results are the forward's followed by `grad.<param>` for every selected
 * parameter. Each loss's gradient flows only into its own `wrt` set; a parameter in several sets
 * gets the sum. A selected parameter no loss reaches gets zeros (`t.full`).
 */
export function differentiate(func: Func, opts: DifferentiateOptions): Func | Diagnostic[] {
  const fallback = opts.span ?? placeholderSpan();
  // Losses and parameters are top-level values of the function.
  const nodes = new Map(func.body.map((n) => [n.id, n]));
  const candidates = candidatesOf(func, opts.params);
  const diagnostics: Diagnostic[] = [];

  const plans: { loss: Node; name: string; onPath: ReadonlySet<number>; selected: Set<string> }[] = [];
  for (const spec of opts.losses) {
    const loss = lossNode(func, nodes, spec.result, fallback, diagnostics);
    const { selected, diagnostics: selectProblems } = selectParams(spec.wrt, candidates, spec.result, loss?.span ?? fallback);
    diagnostics.push(...selectProblems);
    if (!loss) continue;
    const { onPath } = gradientPaths(func.body, loss.id, selected);
    diagnostics.push(...checkGradientPaths(func.body, onPath, spec.result, fallback));
    plans.push({ loss, name: spec.result, onPath, selected });
  }
  if (diagnostics.length) return diagnostics;

  const name = opts.name ?? `${func.name}_grad`;
  const b = new FuncBuilder(name, func);
  const bw = backwardOf(b);
  const total = new Map<string, number>();
  try {
    for (const plan of plans) {
      // Each loss reaches only its own parameters: the s.param nodes of its `wrt` are the roots.
      const roots = new Set(func.body.filter((n) => selectedParam(n, plan.selected)).map((n) => n.id));
      const one = b.at(plan.loss.span).emit("t.const", [], { value: 1, dtype: "f32" });
      for (const [id, g] of bw.sweep(func.body, new Map([[plan.loss.id, one]]), roots)) {
        // The same parameter may be read by several s.param nodes: their gradients add.
        const param = paramName(nodes.get(id)!)!;
        const earlier = total.get(param);
        total.set(param, earlier === undefined ? g : b.emit("t.add", [earlier, g]));
      }
    }
  } catch (e) {
    if (e instanceof GradientRuleError || e instanceof BuildError) return [ruleFailure(e, fallback)];
    throw e;
  }

  const paramSpans = new Map<string, Span | undefined>();
  for (const n of func.body) {
    const name = paramName(n);
    if (name !== undefined) paramSpans.set(name, n.span);
  }
  const selectedAll = new Set(plans.flatMap((p) => [...p.selected]));
  const gradParams = candidates.filter((c) => selectedAll.has(c.name));
  const gradIds = gradParams.map(
    (c) =>
      total.get(c.name) ??
      b.at(paramSpans.get(c.name)).emit("t.full", [], { value: 0, shape: c.type.shape, dtype: c.type.dtype }),
  );
  const results = [...func.results, ...gradIds];
  return {
    name,
    body: [...bw.stashes.fill(func.body), ...pruneBackward(b.added, results)],
    results,
    resultNames: [...func.resultNames, ...gradParams.map((c) => gradResultName(c.name))],
  };
}

function candidatesOf(func: Func, params: readonly ParamInfo[] | undefined): Candidate[] {
  if (params) return params.filter((p) => p.trainable);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const n of func.body) {
    const name = paramName(n);
    if (name === undefined || n.type.kind !== "tensor" || seen.has(name)) continue;
    seen.add(name);
    out.push({ name, type: n.type });
  }
  return out;
}

/** The node a loss names, if it is a result of the function and a scalar f32[]; else a diagnostic. */
function lossNode(func: Func, nodes: ReadonlyMap<number, Node>, result: string, fallback: Span, out: Diagnostic[]): Node | undefined {
  const k = func.resultNames.indexOf(result);
  if (k < 0) {
    const guess = didYouMean(result, func.resultNames);
    out.push(
      error(AUTODIFF_CODES.unknownLoss.code, `loss \`${result}\` is not a result of function \`${func.name}\``, fallback, {
        help: guess ? `did you mean \`${guess}\`?` : `\`${func.name}\` returns: ${func.resultNames.join(", ")}`,
      }),
    );
    return undefined;
  }
  const node = nodes.get(func.results[k])!;
  const t = node.type;
  if (!(t.kind === "tensor" && t.dtype === "f32" && t.shape.length === 0)) {
    out.push(
      error(AUTODIFF_CODES.lossNotScalar.code, `loss \`${result}\` must be a scalar f32[], but it is ${formatType(t)}`, node.span ?? fallback, {
        help: "reduce it to one number first, e.g. with mean or sum",
      }),
    );
    return undefined;
  }
  return node;
}

function ruleFailure(e: GradientRuleError | BuildError, fallback: Span): Diagnostic {
  const span = e instanceof GradientRuleError ? e.node.span : e.span;
  const message = e instanceof GradientRuleError ? e.message : `a gradient rule built an ill-typed \`${e.op}\`: ${e.detail.error}`;
  return error(AUTODIFF_CODES.badGradientRule.code, `internal error: ${message}`, span ?? fallback);
}

/** Whether `n` is an `s.param` of one of the `selected` names. */
function selectedParam(n: Node, selected: ReadonlySet<string>): boolean {
  const name = paramName(n);
  return name !== undefined && selected.has(name);
}
