import type { CallExpr, DatasetDecl, Expr } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { csbmProblems } from "../train/csbm-rules.js";
import { graphsProblems } from "../train/graphs-rules.js";
import type { DatasetResolver } from "../train/dataset.js";
import {
  DATASET_TRANSFORMS,
  type DatasetRef,
  type DatasetSizes,
  type DatasetSource,
  type DatasetTransform,
} from "../train/dataset.js";
import { evaluate, type EvalScope } from "./eval.js";
import { exprText } from "./expr-text.js";
import { Abort, didYouMeanHelp, type Reporter } from "./report.js";
import { argFloat, argInt, argStr, bindArgs, type BoundArgs, type Signature, type SigParam } from "./signature.js";
import { describeValue, float, int, type Value } from "./value.js";

const TRANSFORMS: SigParam = { name: "transforms", kind: "any", default: { kind: "list", items: [] } };
const count = (name: string): SigParam => ({ name, kind: "int" });

/** The dataset constructors, by the callee text users write. */
const SOURCES: Record<string, Signature> = {
  load: { name: "load", params: [{ name: "name", kind: "str" }, TRANSFORMS] },
  "synthetic.csbm": {
    name: "synthetic.csbm",
    params: [
      // Ranges are checked together (csbmProblems), as the generator checks them.
      count("nodes"),
      count("classes"),
      count("features"),
      { name: "avg_degree", kind: "float", default: float(8) },
      { name: "homophily", kind: "float", default: float(0.8) },
      { name: "signal", kind: "float", default: float(1) },
      { name: "seed", kind: "int", default: int(0) },
      TRANSFORMS,
    ],
  },
  "synthetic.graphs": {
    name: "synthetic.graphs",
    params: [
      // Ranges are checked together (graphsProblems), as the generator checks them.
      { name: "graphs", kind: "int", default: int(600) },
      { name: "classes", kind: "int", default: int(3) },
      { name: "min_nodes", kind: "int", default: int(10) },
      { name: "max_nodes", kind: "int", default: int(30) },
      { name: "features", kind: "int", default: int(8) },
      { name: "edge_features", kind: "int", default: int(3) },
      { name: "seed", kind: "int", default: int(0) },
      TRANSFORMS,
    ],
  },
  npz: { name: "npz", params: [{ name: "path", kind: "str" }, TRANSFORMS] },
  edgelist: {
    name: "edgelist",
    params: [
      { name: "path", kind: "str" },
      { name: "features", kind: "str", optional: true },
      { name: "labels", kind: "str", optional: true },
      TRANSFORMS,
    ],
  },
};

/**
 * Checks `dataset` declarations once each (and inline `data = load(...)` expressions), resolving
 * sizes through the resolver when one is given.
 */
export class DatasetTable {
  private readonly checked = new Map<string, DatasetRef | null>();

  constructor(
    private readonly decls: ReadonlyMap<string, DatasetDecl>,
    private readonly resolver: DatasetResolver | undefined,
    private readonly reporter: Reporter,
  ) {}

  names(): string[] {
    return [...this.decls.keys()];
  }

  /** The checked dataset `name`; undefined when it is not declared or its declaration has errors. */
  get(name: string): DatasetRef | undefined {
    if (!this.decls.has(name)) return undefined;
    if (!this.checked.has(name)) {
      const decl = this.decls.get(name)!;
      let ref: DatasetRef | null = null;
      try {
        ref = this.check(decl.value, name, decl.span);
      } catch (e) {
        if (!(e instanceof Abort)) throw e;
      }
      this.checked.set(name, ref);
    }
    return this.checked.get(name) ?? undefined;
  }

  /** Check a dataset expression; aborts after reporting an error. */
  check(expr: Expr, declaredName: string | undefined, span: Span): DatasetRef {
    const r: Reporter = this.reporter;
    if (expr.kind !== "Call") {
      return r.fail("E209", `a dataset is made with \`load(...)\`, \`synthetic.csbm(...)\`, \`synthetic.graphs(...)\`, \`npz(...)\` or \`edgelist(...)\`, found \`${exprText(expr)}\``, expr.span);
    }
    const callee = exprText(expr.callee);
    const sig = SOURCES[callee];
    if (!sig) {
      return r.fail("E209", `unknown dataset source \`${callee}\``, expr.callee.span, {
        help: didYouMeanHelp(didYouMean(callee, Object.keys(SOURCES))) ?? `use one of ${Object.keys(SOURCES).map((s) => `\`${s}\``).join(", ")}`,
      });
    }
    const args = bindArgs(sig, expr.args.map((a) => ({ name: a.name, value: this.argValue(a.name?.name, a.value), span: a.value.span })), {
      reporter: r,
      callSpan: expr.span,
    });
    const source = sourceOf(callee, args);
    if (source.kind === "csbm") this.checkCsbm(source, args, expr.span);
    if (source.kind === "graphs") this.checkGraphs(source, args, expr.span);
    const transforms = this.transforms(expr);
    let info;
    if (source.kind === "load" && this.resolver) {
      const found = this.resolver.describe(source.name);
      if (found && "message" in found) {
        // The data is broken, not the program: the data error's own code, at the dataset's name.
        r.add([{ code: found.code, severity: "error", message: `dataset \`${source.name}\` cannot be loaded: ${found.message}`, span: args.get("name")!.span!, ...(found.help ? { help: found.help } : {}) }]);
        throw new Abort();
      }
      info = found;
      if (!info && !this.resolver.quietWhenAbsent) {
        r.warning("W201", `dataset \`${source.name}\` is not available here; its sizes stay symbolic`, args.get("name")!.span!, {
          help: "set GNNC_DATA_DIR to the folder that holds the datasets",
        });
      }
    }
    const base: DatasetSizes = info
      ? { numNodes: info.numNodes, numEdges: info.numEdges, numFeatures: info.numFeatures, numClasses: info.numClasses, numEdgeFeatures: info.numEdgeFeatures, numGraphs: info.numGraphs }
      : source.kind === "csbm"
        ? { numNodes: source.nodes, numFeatures: source.features, numClasses: source.classes }
        : source.kind === "graphs"
          ? { numGraphs: source.graphs, numFeatures: source.features, numClasses: source.classes, ...(source.edge_features ? { numEdgeFeatures: source.edge_features } : {}) }
          : {};
    const name = declaredName ?? (source.kind === "load" ? source.name : source.kind);
    return { name, source, transforms, ...(info ? { info } : {}), sizes: afterTransforms(base, transforms), span };
  }

  /** Every range problem of a csbm's arguments, each at its argument; aborts if there is any. */
  private checkCsbm(source: Extract<DatasetSource, { kind: "csbm" }>, args: BoundArgs, callSpan: Span): void {
    const { nodes, classes, features, avgDegree, homophily, signal, seed } = source;
    const problems = csbmProblems({ nodes, classes, features, avg_degree: avgDegree, homophily, signal, seed });
    for (const p of problems) {
      const value = args.get(p.key)!;
      this.reporter.error("E406", `argument \`${p.key}\` of \`synthetic.csbm\` ${p.rule}, found ${describeValue(value.value)}`, value.span ?? callSpan, {
        ...(p.why ? { help: p.why } : {}),
      });
    }
    if (problems.length) throw new Abort();
  }

  /** Every range problem of a synthetic.graphs's arguments, each at its argument; aborts if there is any. */
  private checkGraphs(source: Extract<DatasetSource, { kind: "graphs" }>, args: BoundArgs, callSpan: Span): void {
    const problems = graphsProblems(source);
    for (const p of problems) {
      const value = args.get(p.key)!;
      this.reporter.error("E406", `argument \`${p.key}\` of \`synthetic.graphs\` ${p.rule}, found ${describeValue(value.value)}`, value.span ?? callSpan, {
        ...(p.why ? { help: p.why } : {}),
      });
    }
    if (problems.length) throw new Abort();
  }

  /** Transforms are bare names; everything else is a literal. */
  private argValue(name: string | undefined, e: Expr): Value {
    if (name === "transforms") return { kind: "list", items: [] };
    return evaluate(e, literalScope(this.reporter));
  }

  private transforms(call: CallExpr): DatasetTransform[] {
    const arg = call.args.find((a) => a.name?.name === "transforms");
    if (!arg) return [];
    const r: Reporter = this.reporter;
    if (arg.value.kind !== "List") {
      return r.fail("E209", "`transforms` is a list of transform names", arg.value.span, { help: "e.g. `transforms = [normalize_features]`" });
    }
    const out: DatasetTransform[] = [];
    for (const e of arg.value.elements) {
      const name = e.kind === "Name" ? e.name : exprText(e);
      if (!(DATASET_TRANSFORMS as readonly string[]).includes(name)) {
        r.error("E209", `unknown transform \`${name}\``, e.span, {
          help: didYouMeanHelp(didYouMean(name, DATASET_TRANSFORMS)) ?? `the transforms are ${DATASET_TRANSFORMS.map((t) => `\`${t}\``).join(", ")}`,
        });
        continue;
      }
      out.push(name as DatasetTransform);
    }
    if (out.length !== arg.value.elements.length) throw new Abort();
    return out;
  }
}

function sourceOf(callee: string, args: BoundArgs): DatasetSource {
  switch (callee) {
    case "load":
      return { kind: "load", name: argStr(args, "name")! };
    case "npz":
      return { kind: "npz", path: argStr(args, "path")! };
    case "synthetic.graphs": {
      const n = (key: string) => argInt(args, key) as number;
      return { kind: "graphs", graphs: n("graphs"), classes: n("classes"), min_nodes: n("min_nodes"), max_nodes: n("max_nodes"), features: n("features"), edge_features: n("edge_features"), seed: n("seed") };
    }
    case "edgelist": {
      const features = argStr(args, "features");
      const labels = argStr(args, "labels");
      return { kind: "edgelist", path: argStr(args, "path")!, ...(features ? { features } : {}), ...(labels ? { labels } : {}) };
    }
    default:
      return {
        kind: "csbm",
        nodes: argInt(args, "nodes") as number,
        classes: argInt(args, "classes") as number,
        features: argInt(args, "features") as number,
        avgDegree: argFloat(args, "avg_degree"),
        homophily: argFloat(args, "homophily"),
        signal: argFloat(args, "signal"),
        seed: argInt(args, "seed") as number,
      };
  }
}

/** Sizes a transform changes become unknown (symbolic) at compile time. */
function afterTransforms(sizes: DatasetSizes, transforms: readonly DatasetTransform[]): DatasetSizes {
  const out = { ...sizes };
  for (const t of transforms) {
    if (t === "to_undirected") delete out.numEdges;
    if (t === "largest_connected_component") {
      delete out.numNodes;
      delete out.numEdges;
    }
  }
  return out;
}

/** Dataset arguments are literals (and arithmetic on them). */
function literalScope(reporter: Reporter): EvalScope {
  const none = (span: Span): never => reporter.fail("E305", "dataset arguments must be literal values", span);
  return {
    reporter,
    lookup: () => undefined,
    visibleNames: () => [],
    call: (e) => none(e.span),
    stack: (e) => none(e.span),
  };
}
