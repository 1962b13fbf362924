import type { Func, Module, Node, Region } from "./types.js";

/** Small helpers shared by the passes for walking functions and their nested regions. */

/** Every node of `func` by id, region parameters and nested bodies included. */
export function nodesById(func: Func): Map<number, Node> {
  const out = new Map<number, Node>();
  const visit = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      out.set(n.id, n);
      for (const r of n.regions ?? []) {
        visit(r.params);
        visit(r.body);
      }
    }
  };
  visit(func.body);
  return out;
}

/** Number of nodes in a function, regions included (what CSE/DCE shrink). */
export function countNodes(func: Func): number {
  return nodesById(func).size;
}

/** A copy of `node` with new inputs and regions; the node itself when nothing changed (keeps identity cheap to test). */
export function rebuildNode(node: Node, inputs: readonly number[], regions: readonly Region[] | undefined): Node {
  const sameInputs = inputs.length === node.inputs.length && inputs.every((v, i) => v === node.inputs[i]);
  const sameRegions = regions === node.regions || (regions !== undefined && node.regions !== undefined && regions.every((r, i) => r === node.regions![i]));
  if (sameInputs && sameRegions) return node;
  const copy: Node = regions === undefined ? { ...node, inputs } : { ...node, inputs, regions };
  return Object.freeze(copy);
}

/** A region with a new body and results; the region itself when nothing changed. */
export function rebuildRegion(region: Region, body: readonly Node[], results: readonly number[]): Region {
  const sameBody = body.length === region.body.length && body.every((n, i) => n === region.body[i]);
  const sameResults = results.every((v, i) => v === region.results[i]);
  return sameBody && sameResults ? region : { params: region.params, body, results };
}

/** Apply `f` to every function; the module itself when no function changed. */
export function mapFuncs(module: Module, f: (func: Func) => Func): Module {
  const funcs = module.funcs.map(f);
  return funcs.every((fn, i) => fn === module.funcs[i]) ? module : { ...module, funcs };
}
