import type { Arg, CallExpr, ModuleDecl, ParamDecl, StackExpr, StackModifier } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { MAX_ANDERSON_MEMORY } from "../ir/ops/anderson.js";
import { LIMITS } from "../train/limits.js";
import type { DatasetTable } from "./datasets.js";
import { AGGREGATIONS } from "./aggregate.js";
import { evaluate, type EvalScope } from "./eval.js";
import { getFunction } from "./functions.js";
import type { BlockInstance, Instance, LoopSpec, StackInstance } from "./instance.js";
import { getLayer, layerNames } from "./layers/index.js";
import { Abort, didYouMeanHelp, type Reporter } from "./report.js";
import { argBool, argFloat, argInt, bindArgs, checkArg, type ArgInput, type BoundArgs, type Signature, type SigParam } from "./signature.js";
import { templateParamKind } from "./type-annot.js";
import { bool, describeValue, float, int, type Value } from "./value.js";

/** Stack modifiers: PyG-like knobs of repeat / GroupAddRev / a DEQ solver. */
const MODIFIERS: Record<StackModifier["kind"], Signature> = {
  repeat: {
    name: "repeat",
    params: [
      { name: "n", kind: "int", min: 1, max: LIMITS.repeat.max, boundsHelp: LIMITS.repeat.why },
      { name: "tied", kind: "bool", default: bool(false) },
    ],
  },
  reversible: {
    name: "reversible",
    params: [{ name: "groups", kind: "int", default: int(2), min: 2, max: LIMITS.groups.max, boundsHelp: LIMITS.groups.why }],
  },
  equilibrium: {
    name: "equilibrium",
    params: [
      { name: "max_iter", kind: "int", default: int(30), min: 1, max: LIMITS.equilibriumIterations.max, boundsHelp: LIMITS.equilibriumIterations.why },
      { name: "tol", kind: "float", default: float(1e-5), min: 0 },
      // Anderson memory m; 0 = plain iteration. Its range is checked with a hint (andersonMemory).
      { name: "anderson", kind: "int", default: int(0) },
    ],
  },
};

/** `equilibrium(anderson = m)`: 0 (off) or a memory the solver supports, else E406 at the argument. */
function andersonMemory(args: BoundArgs, modifierSpan: Span, r: Reporter): number {
  const m = argInt(args, "anderson");
  if (typeof m === "number" && m >= 0 && m <= MAX_ANDERSON_MEMORY) return m;
  return r.fail("E406", `\`anderson\` of \`equilibrium\` must be an int in [0, ${MAX_ANDERSON_MEMORY}], found ${m}`, args.get("anderson")?.span ?? modifierSpan, {
    help: "`anderson = m` mixes the last m iterates (3 to 10 is typical); 0 turns acceleration off",
  });
}

/** The member `aggr` of a block that defines `message` is its aggregation, not a layer. */
function isAggregation(decl: ModuleDecl, member: string): boolean {
  return member === "aggr" && decl.message !== undefined;
}

/**
 * Turns layer calls, block/model calls and stacks into instances: arguments bound and checked,
 * defaults evaluated, members instantiated recursively.
 */
export class Instantiator {
  /** Templates being instantiated, innermost last, to reject a block that contains itself. */
  private readonly active: ModuleDecl[] = [];

  constructor(
    private readonly templates: ReadonlyMap<string, ModuleDecl>,
    private readonly datasets: DatasetTable,
    private readonly reporter: Reporter,
  ) {}

  /** A scope of static names: the given parameters, then datasets. */
  staticScope(params: ReadonlyMap<string, Value>): EvalScope {
    return {
      reporter: this.reporter,
      lookup: (name) => params.get(name) ?? this.datasetValue(name),
      visibleNames: () => [...params.keys(), ...this.datasets.names()],
      call: (e) => ({ kind: "module", instance: this.instantiateCall(e, this.staticScope(params)) }),
      stack: (e) => ({ kind: "module", instance: this.instantiateStack(e, this.staticScope(params)) }),
    };
  }

  hasTemplate(name: string): boolean {
    return this.templates.has(name);
  }

  template(name: string): ModuleDecl | undefined {
    return this.templates.get(name);
  }

  modelNames(): string[] {
    return [...this.templates.values()].filter((t) => t.kind === "Model").map((t) => t.name.name);
  }

  private datasetValue(name: string): Value | undefined {
    const ref = this.datasets.get(name);
    if (ref) return { kind: "dataset", dataset: ref };
    if (this.datasets.names().includes(name)) throw new Abort(); // its declaration has an error, already reported
    return undefined;
  }

  /** `GCNConv(16, 7)` or `ResBlock(hidden)`: a layer or template instance. */
  instantiateCall(call: CallExpr, scope: EvalScope): Instance {
    const r: Reporter = this.reporter;
    if (call.callee.kind !== "Name") {
      return r.fail("E208", "only layers, blocks and models can be instantiated here", call.callee.span);
    }
    const name = call.callee.name;
    const layer = getLayer(name);
    const template = this.templates.get(name);
    if (!layer && !template) {
      if (getFunction(name)) {
        return r.fail("E210", `\`${name}\` is a function; call it inside \`forward\``, call.callee.span, {
          help: "members are layer instances such as `GCNConv(16, 7)`",
        });
      }
      return r.fail("E202", `unknown layer or block \`${name}\``, call.callee.span, {
        help: didYouMeanHelp(didYouMean(name, [...layerNames(), ...this.templates.keys()])),
      });
    }
    const args = this.evalArgs(call.args, scope);
    if (layer) {
      const bound = bindArgs(layer.signature, args, { reporter: r, callSpan: call.span });
      this.validateLayer(layer.validate, bound, call.span);
      return { kind: "layer", typeName: name, layer, args: bound, span: call.span };
    }
    return this.instantiateTemplate(template!, args, call.span);
  }

  private validateLayer(validate: ((a: BoundArgs, f: (arg: string, msg: string, help?: string) => void) => void) | undefined, args: BoundArgs, callSpan: Span): void {
    if (!validate) return;
    const before = this.reporter.errors;
    validate(args, (arg, message, help) => this.reporter.error("E406", message, args.get(arg)?.span ?? callSpan, { help }));
    if (this.reporter.errors > before) throw new Abort();
  }

  private evalArgs(args: readonly Arg[], scope: EvalScope): ArgInput[] {
    return args.map((a) => ({ name: a.name, value: evaluate(a.value, scope), span: a.value.span }));
  }

  /** Instantiate a block or model: bind its parameters (defaults may use earlier ones), then its members. */
  instantiateTemplate(decl: ModuleDecl, args: readonly ArgInput[], callSpan: Span, missingIntsSymbolic = false): BlockInstance {
    const r: Reporter = this.reporter;
    const name = decl.name.name;
    if (this.active.includes(decl)) {
      const chain = [...this.active.slice(this.active.indexOf(decl)), decl].map((d) => d.name.name).join(" → ");
      return r.fail("E207", `\`${name}\` contains itself (${chain})`, callSpan, {
        labels: [{ span: decl.name.span, message: `\`${name}\` is declared here` }],
      });
    }
    const sigParams = decl.params.map((p) => this.templateParam(p));
    const sig: Signature = { name, params: sigParams.map((p) => ({ ...p, default: undefined, optional: true })) };
    const bound = bindArgs(sig, args, { reporter: r, callSpan, declSpan: decl.name.span });
    const params = new Map<string, Value>();
    for (let i = 0; i < decl.params.length; i++) {
      const p = decl.params[i];
      const given = bound.get(p.name.name);
      let value: Value | undefined;
      if (given) value = given.value; // kind-checked (and coerced) by bindArgs
      else if (p.default) value = checkArg(sig, sigParams[i], evaluate(p.default, this.staticScope(params)), p.default.span, r);
      else if (missingIntsSymbolic && sigParams[i].kind === "int") value = int(p.name.name);
      else {
        r.error("E402", `missing argument \`${p.name.name}\` of \`${name}\``, callSpan, {
          labels: [{ span: p.span, message: "declared here without a default" }],
        });
      }
      if (!value) throw new Abort();
      params.set(p.name.name, value);
    }
    this.active.push(decl);
    try {
      const given = new Set(decl.params.map((p) => p.name.name).filter((n) => bound.has(n)));
      const members = this.members(decl, params);
      const aggr = this.aggregation(decl, params);
      return { kind: "block", typeName: name, decl, params, given, members, ...(aggr ? { aggr } : {}), span: callSpan };
    } finally {
      this.active.pop();
    }
  }

  private templateParam(p: ParamDecl): SigParam {
    return { name: p.name.name, kind: p.type ? templateParamKind(p.type, this.reporter) : "any" };
  }

  private members(decl: ModuleDecl, params: ReadonlyMap<string, Value>): Map<string, Instance> {
    const r: Reporter = this.reporter;
    const members = new Map<string, Instance>();
    const firstSpan = new Map<string, Span>();
    const scope = this.staticScope(params);
    const layers = decl.members.filter((m) => !isAggregation(decl, m.name.name));
    for (const m of layers) {
      const name = m.name.name;
      const clash = firstSpan.get(name) ?? decl.params.find((p) => p.name.name === name)?.name.span;
      if (clash) {
        r.error("E203", `\`${name}\` is declared twice in \`${decl.name.name}\``, m.name.span, {
          labels: [{ span: clash, message: "first declared here" }],
        });
        continue;
      }
      firstSpan.set(name, m.name.span);
      let v: Value;
      try {
        v = evaluate(m.value, scope);
      } catch (e) {
        if (!(e instanceof Abort)) throw e;
        continue; // reported; the other members are still checked
      }
      if (v.kind !== "module") {
        r.error("E305", `member \`${name}\` must be a layer instance, found ${describeValue(v)}`, m.value.span, {
          help:
            name === "aggr"
              ? "`aggr = \"…\"` sets the aggregation of a block that defines `message(x_i, x_j) = …`"
              : "compute sizes in the block's parameters, e.g. `hidden: int = 2 * width`",
        });
        continue;
      }
      members.set(name, v.instance);
    }
    if (members.size !== layers.length) throw new Abort();
    return members;
  }

  /** `aggr = "max"` of a block that defines `message` (PyG's MessagePassing(aggr=…)); undefined: the default, sum. */
  private aggregation(decl: ModuleDecl, params: ReadonlyMap<string, Value>): string | undefined {
    if (decl.update && !decl.message) {
      this.reporter.fail("E318", `\`${decl.name.name}\` defines \`update\` but no \`message\`: nothing would call it`, decl.update.span, {
        help: "`update(aggr_out, x)` runs after `message` and the aggregation, when `propagate(g, x = h)` is called",
      });
    }
    const m = decl.members.find((member) => isAggregation(decl, member.name.name));
    if (!m) return undefined;
    const v = evaluate(m.value, this.staticScope(params));
    if (v.kind === "str" && (AGGREGATIONS as readonly string[]).includes(v.value)) return v.value;
    const found = v.kind === "str" ? JSON.stringify(v.value) : describeValue(v);
    const suggestion = v.kind === "str" ? didYouMean(v.value, AGGREGATIONS) : undefined;
    return this.reporter.fail("E317", `unknown aggregation ${found}: \`aggr\` is one of ${AGGREGATIONS.map((a) => `"${a}"`).join(", ")}`, m.value.span, {
      help: suggestion ? `did you mean "${suggestion}"?` : "strings are written in double quotes: `aggr = \"max\"`",
    });
  }

  /** `reversible(groups = 2) repeat(layers) ResBlock(hidden / 2)`. */
  instantiateStack(expr: StackExpr, scope: EvalScope): StackInstance {
    const r: Reporter = this.reporter;
    const seen = new Map<string, { args: BoundArgs; span: Span }>();
    for (const m of expr.modifiers) {
      const prev = seen.get(m.kind);
      if (prev) {
        r.fail("E313", `\`${m.kind}\` is given twice in one stack`, m.span, {
          labels: [{ span: prev.span, message: "first given here" }],
          help: "to stack a stack, declare a block that holds the inner stack",
        });
      }
      seen.set(m.kind, { args: bindArgs(MODIFIERS[m.kind], this.evalArgs(m.args, scope), { reporter: r, callSpan: m.span }), span: m.span });
    }
    const repeat = seen.get("repeat");
    const reversible = seen.get("reversible");
    const equilibrium = seen.get("equilibrium");
    if (equilibrium && (repeat || reversible)) {
      const other = repeat ?? reversible!;
      r.fail("E313", `\`equilibrium\` cannot be combined with \`${repeat ? "repeat" : "reversible"}\``, equilibrium.span, {
        labels: [{ span: other.span, message: "combined here" }],
        help: "an equilibrium block iterates one block with tied weights to a fixed point",
      });
    }
    let loop: LoopSpec;
    if (equilibrium) {
      const maxIter = argInt(equilibrium.args, "max_iter");
      if (typeof maxIter !== "number") r.fail("E311", "`max_iter` of `equilibrium` must be a known number", equilibrium.span);
      const anderson = andersonMemory(equilibrium.args, equilibrium.span, r);
      loop = { mode: "equilibrium", trip: maxIter, tied: true, maxIter, tol: argFloat(equilibrium.args, "tol"), ...(anderson ? { anderson } : {}) };
    } else {
      const trip = repeat ? argInt(repeat.args, "n") : 1;
      const tied = repeat ? argBool(repeat.args, "tied") : false;
      if (reversible) {
        const groups = argInt(reversible.args, "groups");
        if (typeof groups !== "number") r.fail("E311", "`groups` of `reversible` must be a known number", reversible.span);
        loop = { mode: "reversible", trip, tied, groups, groupsSpan: reversible.span };
      } else {
        loop = { mode: "repeat", trip, tied };
      }
    }
    const body = this.instantiateCall(expr.layer, scope);
    return { kind: "stack", typeName: `${expr.modifiers.map((m) => m.kind).join(" ")} ${body.typeName}`, loop, body, span: expr.span };
  }
}
