import { createHash } from "node:crypto";
import { canonicalKey } from "../ir/canonical-key.js";
import { inputName } from "../ir/struct-views.js";
import type { Func, Node } from "../ir/types.js";

/**
 * A shared buffer name for each value a function computes once from its data (`hosted`: the
 * graph with self loops, its GCN normalisation, propagated features): the name is a digest of the
 * value's expression down to the inputs it reads, so every function of a model that computes the
 * same value (a training step and its evaluation) names the same buffer and the device holds it
 * once. A value whose expression has regions gets no name and stays the function's own.
 */
export function hostedNames(func: Func, hosted: Iterable<number>): Map<number, string> {
  const byId = new Map<number, Node>(func.body.map((n) => [n.id, n]));
  const memo = new Map<number, string | undefined>();
  const text = (id: number): string | undefined => {
    if (memo.has(id)) return memo.get(id);
    const n = byId.get(id);
    let t: string | undefined;
    if (n && !n.regions?.length) {
      const input = inputName(n);
      const args = n.inputs.map(text);
      t = input !== undefined ? `input ${input}` : args.every((a) => a !== undefined) ? `${n.op}${canonicalKey(n.attrs)}(${args.join(", ")})` : undefined;
    }
    memo.set(id, t);
    return t;
  };
  const out = new Map<number, string>();
  for (const id of hosted) {
    const t = text(id);
    if (t !== undefined) out.set(id, `host ${createHash("sha256").update(t).digest("hex").slice(0, 16)}`);
  }
  return out;
}
