import type { Span } from "../../grammar/span.js";
import type { Dim, Func, Module } from "../ir/types.js";
import { FORWARD_FUNC, PREDICT_FUNC } from "../train/names.js";
import { Elaborator } from "./elaborator.js";
import { execForward, requireForward } from "./forward-body.js";
import type { BlockInstance } from "./instance.js";
import type { Instantiator } from "./instantiate.js";
import { collectParams } from "./params.js";
import { Abort, type Reporter } from "./report.js";
import { declaredType, formatAnnotated } from "./type-annot.js";
import type { Value } from "./value.js";

export interface ModuleRequest {
  name: string;
  span: Span;
  model: BlockInstance;
  /** Sizes known at compile time (`N`, `E` from the dataset). */
  symbols: Record<string, number>;
  /** Told of every stack call while elaborating (see `Elaborator.onStackCall`). */
  onStackCall?: Elaborator["onStackCall"];
}

/**
 * One IR module for an instantiated model: `forward` in training mode (dropout active, batch
 * statistics, updated buffers as extra results) and `predict` in eval mode. Aborts on error.
 */
export function buildModule(req: ModuleRequest, instantiator: Instantiator, reporter: Reporter): Module {
  const params = collectParams(req.model);
  const funcs: Func[] = [true, false].map((training) => {
    const el = new Elaborator(training ? FORWARD_FUNC : PREDICT_FUNC, training, reporter, instantiator, params);
    el.onStackCall = req.onStackCall;
    const fwd = requireForward(el, req.model, req.model.decl.name.span);
    const statics = instantiator.staticScope(req.model.params);
    const bindings = new Map<string, Dim>();
    const locals = new Map<string, Value>();
    const untyped = fwd.params.filter((p) => !p.type);
    for (const p of untyped) {
      reporter.error("E314", `parameter \`${p.name.name}\` of the forward of model \`${req.model.typeName}\` needs a type`, p.span, {
        help: "the model's inputs come from the dataset: e.g. `x: f32[N, in_channels], g: graph[N]`",
      });
    }
    if (untyped.length) throw new Abort();
    const names = inputNames(req.model, reporter);
    for (const p of fwd.params) {
      const type = p.type!; // checked above
      const t = declaredType(type, statics, bindings);
      if (t.kind === "static") {
        reporter.fail("E306", `the forward of a model takes tensors and graphs, found \`${p.name.name}: ${formatAnnotated(t)}\``, type.span, {
          help: "make it a parameter of the model instead",
        });
      }
      const id = el.input(names.get(p.name.name)!, t.type, p.span);
      locals.set(p.name.name, t.kind === "tensor" ? { kind: "tensor", id, type: t.type } : { kind: "graph", id, type: t.type });
    }
    el.declareParams();
    const out = execForward(el, req.model, "", fwd, locals, bindings);
    if (out.kind !== "tensor") {
      reporter.fail("E305", `the forward of model \`${req.model.typeName}\` must return a tensor (the predictions), found ${out.kind}`, fwd.span);
    }
    return el.finish(out);
  });
  return { name: req.name, symbols: req.symbols, params, funcs, span: req.span };
}

/** The features are the input `x` and the graph `graph` whatever the parameters are called; others keep their names. */
function inputNames(model: BlockInstance, reporter: Reporter): Map<string, string> {
  const params = model.decl.forward?.params ?? [];
  const names = new Map<string, string>();
  const firstOf = (kind: string) => params.find((p) => (kind === "graph" ? p.type?.name.name === "graph" : p.type?.dims !== undefined && p.type.name.name !== "graph"));
  const features = firstOf("tensor");
  const graph = firstOf("graph");
  const taken = new Set(["x", "graph", "rng"]);
  for (const p of params) {
    const name = p === features ? "x" : p === graph ? "graph" : p.name.name;
    if (p !== features && p !== graph && taken.has(name)) {
      reporter.fail("E203", `forward parameter \`${name}\` clashes with the model input named \`${name}\``, p.name.span, {
        help: "the first tensor parameter is the input `x` and the graph is `graph`; rename this one",
      });
    }
    names.set(p.name.name, name);
  }
  return names;
}
