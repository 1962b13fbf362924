import { unchangingNodes } from "../../compiler/plan/unchanging.js";
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
    if (!set) this.staticNodes.set(body, (set = unchangingNodes(body, this.unchangingInputs)));
    return set;
  }
}
