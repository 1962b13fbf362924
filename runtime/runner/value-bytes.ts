import type { Value } from "../../compiler/ir/values.js";

/**
 * Bytes of concrete values (what a runner holds between function runs: data, parameters, states,
 * values computed once), each array counted once however many values share it (a state entry
 * holding a memoised value).
 */
export function valueBytes(values: Iterable<Value>): number {
  const seen = new Set<ArrayBufferView>();
  const arrays = (v: Value): ArrayBufferView[] => {
    switch (v.kind) {
      case "tensor":
        return [v.data];
      case "graph":
        return [v.indptr, v.src, v.dst];
      case "tuple":
        return v.items.flatMap(arrays);
      default:
        return [];
    }
  };
  let total = 0;
  for (const v of values) {
    for (const a of arrays(v)) {
      if (seen.has(a)) continue;
      seen.add(a);
      total += a.byteLength;
    }
  }
  return total;
}
