import type { OpSpec } from "../spec.js";
import { classLossOps } from "./loss-class.js";
import { elementwiseLossOps } from "./loss-elementwise.js";

/**
 * The op table's losses (nn.cross_entropy, nn.nll, nn.bce_with_logits, nn.mse), each a scalar
 * masked mean, with the `*_grad` op its VJP emits.
 */
export const lossOps: readonly OpSpec[] = [...classLossOps, ...elementwiseLossOps];
