import { getOpSpec } from "../../compiler/ir/ops/index.js";
import { dependenciesOf } from "../../compiler/ir/reads.js";
import type { Node } from "../../compiler/ir/types.js";
import type { Value } from "../../compiler/ir/values.js";

/**
 * Values that depend only on inputs that do not change between calls (features, the graph) are
 * computed once and reused: GCN normalisation, SGC's and GA-MLP's propagated features. The caller
 * names the unchanging inputs and keeps the memo across calls (one training run); values are
 * keyed by node, so they are reused only by the same function.
 */
export class DataMemo {
  readonly values = new Map<Node, Value>();
  private readonly staticNodes = new WeakMap<readonly Node[], ReadonlySet<number>>();

  constructor(readonly unchangingInputs: ReadonlySet<string>) {}

  /** Top-level nodes of `body` whose value is the same on every call. */
  staticIn(body: readonly Node[]): ReadonlySet<number> {
    let set = this.staticNodes.get(body);
    if (set) return set;
    const found = new Set<number>();
    for (const n of body) {
      const fixed =
        n.op === "s.input"
          ? this.unchangingInputs.has(String(n.attrs.name))
          : n.op !== "s.param" && getOpSpec(n.op)?.pure === true && dependenciesOf(n).every((d) => found.has(d));
      if (fixed) found.add(n.id);
    }
    set = found;
    this.staticNodes.set(body, set);
    return set;
  }

  /** Bytes the memo holds between calls (tensors only: the graph and features are the caller's). */
  heldBytes(): number {
    let total = 0;
    for (const v of this.values.values()) if (v.kind === "tensor") total += v.data.byteLength;
    return total;
  }
}
