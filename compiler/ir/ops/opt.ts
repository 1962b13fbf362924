import type { OpSpec } from "../spec.js";

/** The op table's optimizer update steps (opt.*). */
export const optOps: readonly OpSpec[] = [];
