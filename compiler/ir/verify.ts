import { stepPlanProblems } from "./step-plan.js";
import type { Span } from "../../grammar/span.js";
import { withDefaults } from "./builder.js";
import { getOpSpec } from "./ops/index.js";
import { LEAF_OPS } from "./ops/struct.js";
import { isInferError } from "./spec.js";
import { formatType, typesEqual } from "./type-utils.js";
import { checkAttrs } from "./verify-attrs.js";
import type { Func, Module, Node, ParamInfo, Region, Type } from "./types.js";

/**
 * The IR verifier. It never stops at the first problem: every rule is checked on every node and
 * all problems come back, each pointing at its node and `.gnn` span where there is one.
 */

export interface VerifyProblem {
  message: string;
  nodeId?: number;
  span?: Span;
}

/** Values visible at a point: those defined earlier in this body, and in enclosing bodies before the region's owner. */
class Scope {
  private readonly ids = new Set<number>();
  constructor(private readonly parent?: Scope) {}
  add(id: number): void {
    this.ids.add(id);
  }
  has(id: number): boolean {
    return this.ids.has(id) || (this.parent?.has(id) ?? false);
  }
}

interface State {
  problems: VerifyProblem[];
  /** Type of every id seen so far (first definition wins when ids repeat). */
  types: Map<number, Type>;
  /** Every id defined anywhere in the function, to tell "used too early" from "never defined". */
  allIds: Set<number>;
  params?: ReadonlyMap<string, ParamInfo>;
  inputs: Map<string, Type>;
}

function collectIds(body: readonly Node[], into: Set<number>): void {
  for (const n of body) {
    into.add(n.id);
    for (const r of n.regions ?? []) {
      for (const p of r.params) into.add(p.id);
      collectIds(r.body, into);
    }
  }
}

function report(st: State, node: Node, message: string): void {
  st.problems.push({ message: `%${node.id} ${node.op}: ${message}`, nodeId: node.id, span: node.span });
}

function define(st: State, node: Node, scope: Scope): void {
  if (st.types.has(node.id)) report(st, node, `duplicate id %${node.id}`);
  else st.types.set(node.id, node.type);
  scope.add(node.id);
}

function checkUse(st: State, node: Node, id: number, scope: Scope, what: string): boolean {
  if (scope.has(id)) return true;
  const why = st.allIds.has(id) ? "is not visible here (used before its definition or outside its region)" : "is not defined";
  report(st, node, `${what} %${id} ${why}`);
  return false;
}

function checkLeaf(st: State, node: Node): void {
  const name = node.attrs.name;
  if (typeof name !== "string") return; // reported as an attribute problem
  if (node.op === "s.param" && st.params) {
    const info = st.params.get(name);
    if (!info) report(st, node, `parameter ${name} is not declared in the module's params`);
    else if (!typesEqual(info.type, node.type)) {
      report(st, node, `parameter ${name} is declared as ${formatType(info.type)} but used as ${formatType(node.type)}`);
    }
  }
  if (node.op === "s.input") {
    const seen = st.inputs.get(name);
    if (seen && !typesEqual(seen, node.type)) {
      report(st, node, `input ${name} is read as both ${formatType(seen)} and ${formatType(node.type)}`);
    }
    st.inputs.set(name, seen ?? node.type);
  }
}

function verifyRegion(st: State, owner: Node, region: Region, index: number, outer: Scope): void {
  const scope = new Scope(outer); // a fresh child per region: siblings never see each other
  region.params.forEach((p, k) => {
    if (p.op !== "s.arg") report(st, owner, `region ${index} param ${k} must be an s.arg node, got ${p.op}`);
    else if (p.attrs.index !== k) report(st, p, `region param at position ${k} has index ${String(p.attrs.index)}`);
    define(st, p, scope);
  });
  verifyBody(st, region.body, scope);
  for (const r of region.results) checkUse(st, owner, r, scope, `region ${index} result`);
}

function verifyNode(st: State, node: Node, scope: Scope): void {
  const usable = node.inputs.map((i) => checkUse(st, node, i, scope, "operand")).every(Boolean);
  const spec = getOpSpec(node.op);
  let wellFormed = usable;
  if (!spec) {
    report(st, node, "unknown op");
    wellFormed = false;
  } else {
    const [min, max] = typeof spec.arity === "number" ? [spec.arity, spec.arity] : spec.arity;
    if (node.inputs.length < min || node.inputs.length > max) {
      const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      report(st, node, `takes ${want} operand(s), got ${node.inputs.length}`);
      wellFormed = false;
    }
    for (const message of checkAttrs(spec, node.attrs)) {
      report(st, node, message);
      wellFormed = false;
    }
    const [lo, hi] = typeof spec.regions === "object" ? spec.regions : [spec.regions ?? 0, spec.regions ?? 0];
    const got = node.regions?.length ?? 0;
    if (got < lo || got > hi) {
      const want = lo === hi ? `${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
      report(st, node, `carries ${want} region(s), got ${got}`);
      wellFormed = false;
    }
  }
  if (node.op === "s.arg") report(st, node, "s.arg may only appear as a region parameter");
  if (LEAF_OPS.has(node.op)) checkLeaf(st, node);

  node.regions?.forEach((r, k) => verifyRegion(st, node, r, k, scope));

  if (spec && wellFormed && !LEAF_OPS.has(node.op)) {
    const inputTypes = node.inputs.map((i) => st.types.get(i)!);
    let inferred: ReturnType<typeof spec.infer>;
    try {
      inferred = spec.infer(inputTypes, withDefaults(node.op, node.attrs), node.regions);
    } catch (e) {
      report(st, node, `type inference failed: ${(e as Error).message}`);
      return;
    }
    if (isInferError(inferred)) report(st, node, inferred.error);
    else if (!typesEqual(inferred, node.type)) {
      report(st, node, `stored type ${formatType(node.type)} differs from the inferred ${formatType(inferred)}`);
    }
  }
}

function verifyBody(st: State, body: readonly Node[], scope: Scope): void {
  for (const node of body) {
    verifyNode(st, node, scope);
    define(st, node, scope); // after its regions: a node's regions cannot use the node itself
  }
}

/** Verify one function; with `params`, also check every s.param against the module's declarations. */
export function verifyFunc(f: Func, params?: readonly ParamInfo[]): VerifyProblem[] {
  const st: State = {
    problems: [],
    types: new Map(),
    allIds: new Set(),
    params: params ? new Map(params.map((p) => [p.name, p])) : undefined,
    inputs: new Map(),
  };
  collectIds(f.body, st.allIds);
  const scope = new Scope();
  verifyBody(st, f.body, scope);
  for (const r of f.results) {
    if (!scope.has(r)) {
      const why = st.allIds.has(r) ? "is not visible at the function's top level" : "is not defined";
      st.problems.push({ message: `func ${f.name}: result %${r} ${why}`, nodeId: r });
    }
  }
  if (f.resultNames.length !== f.results.length) {
    st.problems.push({ message: `func ${f.name}: ${f.results.length} result(s) but ${f.resultNames.length} result name(s)` });
  }
  return st.problems;
}

export function verifyModule(m: Module): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const seenParams = new Set<string>();
  for (const p of m.params) {
    if (seenParams.has(p.name)) problems.push({ message: `parameter ${p.name} is declared twice`, span: p.span });
    seenParams.add(p.name);
  }
  const seenFuncs = new Set<string>();
  for (const f of m.funcs) {
    if (seenFuncs.has(f.name)) problems.push({ message: `function ${f.name} is defined twice` });
    seenFuncs.add(f.name);
    problems.push(...verifyFunc(f, m.params));
  }
  if (m.steps) problems.push(...stepPlanProblems(m.steps, seenFuncs).map((message) => ({ message })));
  return problems;
}
