import { LIMITS } from "./limits.js";

/** The options of `synthetic.csbm(...)` by their `.gnn` names. */
export interface CsbmArgs {
  nodes: number;
  classes: number;
  features: number;
  avg_degree: number;
  homophily: number;
  signal: number;
  seed: number;
}

export interface CsbmProblem {
  key: keyof CsbmArgs;
  /** "must be an integer in [1, 16777216]". */
  rule: string;
  /** Why the bound exists, when it is not plain from the rule. */
  why?: string;
}

/**
 * Every way a csbm configuration cannot be generated. One rule for both sides: `gnnc check`
 * reports each at its argument, the generator refuses the first, so whatever checks also generates.
 */
export function csbmProblems(o: CsbmArgs): CsbmProblem[] {
  const out: CsbmProblem[] = [];
  const int = (key: keyof CsbmArgs, min: number, max: number, why?: string) => {
    const v = o[key];
    const ok = Number.isSafeInteger(v) && v >= min && v <= max;
    if (!ok) out.push({ key, rule: `must be an integer in [${min}, ${max}]`, ...(why ? { why } : {}) });
    return ok;
  };
  const real = (key: keyof CsbmArgs, min: number, max: number, why?: string) => {
    const v = o[key];
    if (!(Number.isFinite(v) && v >= min && v <= max)) out.push({ key, rule: `must be a number in [${min}, ${max}]`, ...(why ? { why } : {}) });
  };
  const nodesOk = int("nodes", 1, LIMITS.csbmNodes.max, LIMITS.csbmNodes.why);
  int("features", 1, LIMITS.channels.max, LIMITS.channels.why);
  if (nodesOk) {
    int("classes", 1, Math.min(o.nodes, LIMITS.channels.max), "every class needs at least one node");
    const maxDegree = Math.min(o.nodes - 1, Math.floor(LIMITS.csbmEdges.max / o.nodes));
    real("avg_degree", 0, maxDegree, `a node has at most nodes − 1 neighbours, and nodes × avg_degree is at most ${LIMITS.csbmEdges.max}: ${LIMITS.csbmEdges.why}`);
  }
  real("homophily", 0, 1);
  real("signal", 0, Number.MAX_VALUE);
  int("seed", 0, LIMITS.seed.max, LIMITS.seed.why);
  return out;
}
