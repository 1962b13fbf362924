import { concatLaunches, emitConcat } from "./concat.js";
import { emitBroadcastTo, emitReshape, emitTranspose } from "./copy-kernels.js";
import { emitEdgeSoftmax } from "./edge-softmax.js";
import type { KernelEmitter, LaunchesEmitter } from "./emit-context.js";
import { emitGatherDst, emitGatherSrc, emitSddmm } from "./graph-edge.js";
import { emitScatterSum, emitScatterSumSrc, emitSpmmT } from "./graph-sum.js";
import { emitGatherRows, emitScatterRows } from "./rows.js";
import { emitAdjacencyBlock } from "./adjacency-block.js";
import { emitPad, emitSelect, emitSlice } from "./slice.js";
import { emitScatterSlice, emitSliceAdd } from "./slice-update.js";
import { emitSpmmMaxMask } from "./spmm-max-mask.js";

/**
 * Kernels of the shape ops and of the graph ops besides g.spmm. Graph-structure ops
 * (g.add_self_loops, g.degree, g.gcn_norm) have none: they depend on the data only, and the
 * executor computes them on the host once. `t.concat` of more than 7 operands runs as several
 * launches (SHAPE_GRAPH_LAUNCHES); `g.spmm_t` and `g.scatter_sum_src` read the graph's by-source
 * view (graph-by-source.ts).
 */
export const SHAPE_GRAPH_EMITTERS: readonly [string, KernelEmitter][] = [
  ["t.reshape", emitReshape],
  ["t.broadcast_to", emitBroadcastTo],
  ["t.transpose", emitTranspose],
  ["t.concat", emitConcat],
  ["t.slice", emitSlice],
  ["t.pad", emitPad],
  ["t.select", emitSelect],
  ["t.scatter_slice", emitScatterSlice],
  ["t.slice_add", emitSliceAdd],
  ["t.gather_rows", emitGatherRows],
  ["t.scatter_rows", emitScatterRows],
  ["g.gather_src", emitGatherSrc],
  ["g.gather_dst", emitGatherDst],
  ["g.sddmm", emitSddmm],
  ["g.edge_softmax", emitEdgeSoftmax],
  ["g.scatter_sum", emitScatterSum],
  ["g.scatter_sum_src", emitScatterSumSrc],
  ["g.spmm_t", emitSpmmT],
  ["g.spmm_max_mask", emitSpmmMaxMask],
  ["g.adjacency_block", emitAdjacencyBlock],
];

/** Shape ops that may need several launches (emit.ts's emitLaunches). */
export const SHAPE_GRAPH_LAUNCHES: readonly [string, LaunchesEmitter][] = [["t.concat", concatLaunches]];
