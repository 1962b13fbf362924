import { FuncBuilder } from "./builder.js";
import type { Func, Node, Region, Type } from "./types.js";

/** What a rewrite's visitor is given besides the node. */
export interface Rewriter {
  /**
   * Emits new nodes. They go before the node being visited, into the same body (a loop's body
   * for a node inside a stack), stamped with its span; after `keep()`, they go after it.
   */
  readonly b: FuncBuilder;
  /** Place the visited node now, so that what is emitted next may read it; returns its id. */
  keep(): number;
}

/**
 * The visitor of `rewriteFunc`: undefined keeps the node as it is; an id replaces the node's value
 * with that one for every later reader (and drops the node unless it was kept).
 */
export type Visitor = (node: Node, rw: Rewriter) => number | undefined;

/**
 * Rebuild `func` node by node, in order, nested bodies included. Nodes that are kept keep their
 * ids; later readers of a replaced value read its replacement. IR is immutable: the input is not
 * changed, and a function whose visitor keeps everything comes back equal to it.
 *
 * @example
 * import { rewriteFunc, type Func } from "gnnc/ir";
 * // Every relu becomes a leaky relu with slope 0.01.
 * export const leaky = (func: Func): Func =>
 *   rewriteFunc(func, (node, { b }) => (node.op === "t.relu" ? b.emit("t.leaky_relu", node.inputs, { slope: 0.01 }) : undefined));
 */
export function rewriteFunc(func: Func, visit: Visitor): Func {
  const b = new FuncBuilder(func.name, func, true);
  const renamed = new Map<number, number>();
  const rename = (id: number) => renamed.get(id) ?? id;

  const walk = (nodes: readonly Node[], out: Node[]) =>
    b.into(out, () => {
      for (const original of nodes) {
        const node = withInputs(original, rename, original.regions?.map((r) => rebuiltRegion(r)));
        let kept = false;
        const keep = () => {
          if (!kept) b.append(node);
          kept = true;
          return node.id;
        };
        b.at(node.span);
        const replacement = visit(node, { b, keep });
        if (replacement === undefined || replacement === node.id) keep();
        else renamed.set(node.id, replacement);
      }
    });
  const rebuiltRegion = (r: Region): Region => {
    const body: Node[] = [];
    walk(r.body, body);
    return { params: r.params, body, results: r.results.map(rename) };
  };

  const body: Node[] = [];
  walk(func.body, body);
  b.at(undefined);
  return { ...b.finish(func.results.map(rename), func.resultNames), body };
}

/** `node` reading renamed inputs and rebuilt regions; the node itself when nothing changed. */
function withInputs(node: Node, rename: (id: number) => number, regions: Region[] | undefined): Node {
  const inputs = node.inputs.map(rename);
  const sameInputs = inputs.every((id, k) => id === node.inputs[k]);
  const sameRegions = regions === undefined || regions.every((r, k) => sameRegion(r, node.regions![k]));
  if (sameInputs && sameRegions) return node;
  return { ...node, inputs, ...(regions ? { regions } : {}) };
}

function sameRegion(a: Region, b: Region): boolean {
  return a.body.length === b.body.length && a.body.every((n, k) => n === b.body[k]) && a.results.every((id, k) => id === b.results[k]);
}

/**
 * `func` with a top-level `s.input{name}` of `type`: its existing one, else a new one placed
 * first. For a pass that needs an input the model did not read (the rng key of a new dropout).
 */
export function withInput(func: Func, name: string, type: Type): { func: Func; id: number } {
  const existing = func.body.find((n) => n.op === "s.input" && n.attrs.name === name);
  if (existing) return { func, id: existing.id };
  const b = new FuncBuilder(func.name, func, true);
  const id = b.leaf("s.input", type, { name });
  for (const n of func.body) b.append(n);
  return { func: b.finish(func.results, func.resultNames), id };
}
