import type { OpSpec } from "../spec.js";
import { adamOps } from "./opt-adam.js";
import { clipOps } from "./opt-clip.js";
import { decayOps } from "./opt-decay.js";
import { sgdOps } from "./opt-sgd.js";

/**
 * The op table's optimizer update steps (opt.*): single-result, elementwise (or reducing, for the
 * global norm) ops that the training step chains per parameter, so they fuse and run on any device.
 */
export const optOps: readonly OpSpec[] = [...sgdOps, ...adamOps, ...decayOps, ...clipOps];
