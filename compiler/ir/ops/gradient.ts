import type { OpSpec } from "../spec.js";

/** The op table's autodiff helpers (t.stop_gradient, …). */
export const gradientOps: readonly OpSpec[] = [];
