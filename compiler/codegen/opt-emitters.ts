import { emitArgmaxOnehot } from "./argmax-onehot.js";
import { emitCast } from "./cast.js";
import type { KernelEmitter, LaunchesEmitter } from "./emit-context.js";
import { emitAdamM, emitAdamStep, emitAdamV } from "./optimizer-adam.js";
import { emitClipFactor, emitGlobalNorm, globalNormLaunches } from "./optimizer-clip.js";
import { emitDecay, emitL2 } from "./optimizer-decay.js";
import { emitSgdBuf, emitSgdStep } from "./optimizer-sgd.js";

/**
 * Kernels of the optimizer updates (opt.*) and of the last elementwise-like tensor ops (t.cast,
 * t.argmax_onehot), keyed by op (the map in emit.ts spreads this list). `opt.global_norm` of more
 * than 7 operands runs as several launches (OPT_LAUNCHES).
 */
export const OPT_EMITTERS: readonly [string, KernelEmitter][] = [
  ["opt.sgd_buf", emitSgdBuf],
  ["opt.sgd_step", emitSgdStep],
  ["opt.adam_m", emitAdamM],
  ["opt.adam_v", emitAdamV],
  ["opt.adam_step", emitAdamStep],
  ["opt.l2", emitL2],
  ["opt.decay", emitDecay],
  ["opt.global_norm", emitGlobalNorm],
  ["opt.clip_factor", emitClipFactor],
  ["t.cast", emitCast],
  ["t.argmax_onehot", emitArgmaxOnehot],
];

/** Optimizer ops that may need several launches (emit.ts's emitLaunches). */
export const OPT_LAUNCHES: readonly [string, LaunchesEmitter][] = [["opt.global_norm", globalNormLaunches]];
