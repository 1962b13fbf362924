import type { OpSpec } from "../spec.js";
import { elementwiseOps } from "./elementwise.js";
import { linalgOps } from "./linalg.js";
import { reduceOps } from "./reduce.js";
import { rowOps } from "./rows.js";
import { shapeOps } from "./shape.js";

/** Every `t.*` op. Each family lives in its own file; this is the namespace's one list. */
export const tensorOps: readonly OpSpec[] = [...elementwiseOps, ...linalgOps, ...reduceOps, ...shapeOps, ...rowOps];
