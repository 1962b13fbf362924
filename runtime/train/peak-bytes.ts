import { evalDim } from "../../compiler/ir/dims.js";
import { dtypeBytes } from "../../compiler/ir/type-utils.js";
import type { Func, Module, Node, Type } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";

/**
 * Peak bytes of a reference-device run, from the functions' value types. The interpreter keeps
 * every value of a function alive until the function returns (a loop body's values only for one
 * iteration), so a run's live bytes peak at its end: what the trainer holds throughout (data,
 * parameters, optimizer states) plus every value the largest function computes.
 */

function typeBytes(t: Type, symbols: Readonly<Record<string, number>>): number {
  const size = (d: number | string) => {
    const n = evalDim(d, symbols);
    if (n === undefined) throw new Error(`peak bytes: dimension ${d} has no value`);
    return n;
  };
  switch (t.kind) {
    case "tensor":
      return t.shape.reduce<number>((n, d) => n * size(d), 1) * dtypeBytes(t.dtype);
    case "graph":
      return (size(t.nodes) + 1 + 2 * size(t.edges)) * 4; // indptr, src, dst
    case "rng":
      return 8;
    case "tuple":
      return 0; // a tuple's items are counted where `s.get` takes them out
  }
}

/** Bytes of the values a body computes (leaves excluded: they are held by the caller). */
function bodyBytes(body: readonly Node[], symbols: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const n of body) {
    if (n.op === "s.input" || n.op === "s.param") continue;
    total += typeBytes(n.type, symbols);
    // One iteration's frame of a nested body is live while the op runs.
    const inner = (n.regions ?? []).map((r) => bodyBytes(r.body, symbols));
    if (inner.length) total += Math.max(...inner);
  }
  return total;
}

/** Bytes of concrete values (what the trainer holds between function runs). */
export function valueBytes(values: Iterable<Value>): number {
  let total = 0;
  for (const v of values) {
    if (v.kind === "tensor") total += v.data.byteLength;
    else if (v.kind === "graph") total += v.indptr.byteLength + v.src.byteLength + v.dst.byteLength;
    else if (v.kind === "tuple") total += valueBytes(v.items);
    else total += 8;
  }
  return total;
}

/** The peak: held bytes plus the largest of the functions' computed values. */
export function peakBytes(module: Module, funcs: readonly Func[], symbols: Readonly<Record<string, number>>, heldBytes: number): number {
  const env = { ...module.symbols, ...symbols };
  return heldBytes + Math.max(0, ...funcs.map((f) => bodyBytes(f.body, env)));
}
