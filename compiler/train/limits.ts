/**
 * Upper bounds of every size-like value a `.gnn` file (or `gnnc train`'s flags) can set, checked
 * where the value is bound so that `gnnc check` rejects, with the bound in the message, what would
 * otherwise hang the compiler, exhaust memory or fail mid-training. Each is far above real use;
 * `why` is the hint shown with the error.
 */
export interface Limit {
  readonly max: number;
  readonly why: string;
}

export const LIMITS = {
  channels: { max: 2 ** 24, why: "a weight or activation this wide needs gigabytes per row" },
  hops: { max: 128, why: "each hop is unrolled into the IR; published models use K ≤ 64" },
  heads: { max: 64, why: "each head is a slice of every attention kernel; published models use ≤ 16" },
  repeat: { max: 65_536, why: "stacked parameters and stored activations grow with n (a 1001-block RevGNN is already deep)" },
  groups: { max: 256, why: "each group is a region of the IR loop; RevGNN uses 2 to 4" },
  equilibriumIterations: { max: 100_000, why: "iterations run one at a time; DEQ models use 30 to 100" },
  epochs: { max: 10_000_000, why: "a run keeps one history entry per epoch" },
  seed: { max: Number.MAX_SAFE_INTEGER, why: "seeds are exact integers (up to 2⁵³ − 1)" },
  csbmNodes: { max: 2 ** 24, why: "the graph is generated in memory; a million nodes is already large here" },
  csbmEdges: { max: 2 ** 30, why: "nodes × avg_degree edges are generated in memory as int32 arrays" },
  tensorElements: { max: 2 ** 31 - 1, why: "the devices index a tensor with 32-bit signed integers" },
} as const satisfies Record<string, Limit>;
