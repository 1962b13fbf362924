import type { Value } from "../../compiler/ir/values.js";

/** Bytes of concrete values (what the trainer holds between function runs: data, parameters, states). */
export function valueBytes(values: Iterable<Value>): number {
  let total = 0;
  for (const v of values) {
    if (v.kind === "tensor") total += v.data.byteLength;
    else if (v.kind === "graph") total += v.indptr.byteLength + v.src.byteLength + v.dst.byteLength;
    else if (v.kind === "tuple") total += valueBytes(v.items);
  }
  return total;
}
