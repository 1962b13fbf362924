import type { OpSpec } from "../spec.js";

/** The op table's losses (nn.cross_entropy, nn.nll, nn.bce_with_logits, nn.mse). */
export const lossOps: readonly OpSpec[] = [];
