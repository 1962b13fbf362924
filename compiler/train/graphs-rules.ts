import { LIMITS } from "./limits.js";

/** The options of `synthetic.graphs(...)` by their `.gnn` names. */
export interface GraphsArgs {
  graphs: number;
  classes: number;
  min_nodes: number;
  max_nodes: number;
  features: number;
  edge_features: number;
  seed: number;
}

export interface GraphsProblem {
  key: keyof GraphsArgs;
  rule: string;
  why?: string;
}

/** Most classes the generator can tell apart (class c closes c cycle-making edges per 5 nodes). */
export const MAX_GRAPH_CLASSES = 8;

/**
 * Every way a `synthetic.graphs` configuration cannot be generated, one rule for `gnnc check` (each
 * at its argument) and the generator (the first), as for csbm.
 */
export function graphsProblems(o: GraphsArgs): GraphsProblem[] {
  const out: GraphsProblem[] = [];
  const int = (key: keyof GraphsArgs, min: number, max: number, why?: string) => {
    const v = o[key];
    const ok = Number.isSafeInteger(v) && v >= min && v <= max;
    if (!ok) out.push({ key, rule: `must be an integer in [${min}, ${max}]`, ...(why ? { why } : {}) });
    return ok;
  };
  const graphsOk = int("graphs", 1, 1_000_000, "the graphs are generated in memory");
  int("classes", 2, MAX_GRAPH_CLASSES, "classes differ by how many cycles their graphs have");
  const minOk = int("min_nodes", 2, 10_000, "a graph is a tree of at least two nodes plus cycles");
  if (minOk) int("max_nodes", o.min_nodes, 10_000);
  if (graphsOk && Number.isSafeInteger(o.max_nodes) && o.graphs * o.max_nodes > LIMITS.csbmNodes.max) {
    out.push({ key: "graphs", rule: `× max_nodes must be at most ${LIMITS.csbmNodes.max}`, why: LIMITS.csbmNodes.why });
  }
  int("features", 1, 4096, "node features are a one-hot type");
  int("edge_features", 0, 4096, "edge features are a one-hot bond type (0: none)");
  int("seed", 0, LIMITS.seed.max, LIMITS.seed.why);
  return out;
}
