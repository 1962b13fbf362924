import type { KernelEmitter } from "./emit-context.js";
import { emitPool, emitPoolMaxMask, emitUnpool } from "./graph-pool.js";
import { emitAppendLoops, emitLoopPart, emitScatterMax, emitScatterMaxMask } from "./graph-segment.js";

/**
 * Kernels of the segment ops written for message passing and graph readouts: the max of each
 * node's in-edge rows, edge values with self loops appended, and pooling over a batch vector.
 */
export const SEGMENT_EMITTERS: readonly [string, KernelEmitter][] = [
  ["g.scatter_max", emitScatterMax],
  ["g.scatter_max_mask", emitScatterMaxMask],
  ["g.append_loops", emitAppendLoops],
  ["g.loop_part", emitLoopPart],
  ["g.pool", emitPool],
  ["g.pool_max_mask", emitPoolMaxMask],
  ["g.unpool", emitUnpool],
];
