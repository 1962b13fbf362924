import type { OpSpec } from "../spec.js";
import { graphAggregateOps } from "./graph-aggregate.js";
import { graphBlockOps } from "./graph-block.js";
import { graphLoopOps } from "./graph-loops.js";
import { graphPoolOps } from "./graph-pool.js";
import { graphSegmentOps } from "./graph-segment.js";
import { graphStructureOps } from "./graph-structure.js";

/** Every `g.*` op (CSR by destination; edge-indexed tensors follow the graph's edge order). */
export const graphOps: readonly OpSpec[] = [...graphStructureOps, ...graphAggregateOps, ...graphSegmentOps, ...graphLoopOps, ...graphPoolOps, ...graphBlockOps];
