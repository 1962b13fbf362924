import type { Span } from "../../grammar/span.js";
import type { AnyPass } from "../passes/pass.js";
import type { DatasetRef } from "./dataset.js";

/**
 * A checked `train` block: every name validated, every value typed, spans kept so that lowering
 * and training can point their diagnostics back at the text.
 */
export interface TrainSpec {
  name: string;
  span: Span;
  /** The IR module compiled for this block's model (named after the block). */
  module: string;
  data: DatasetRef;
  /** Absent only with a schedule that builds its own functions (see compiler/schedules). */
  model?: ModelCall;
  loss: LossSpec;
  optimizer: OptimizerSpec;
  lrSchedule?: LrScheduleSpec;
  /** Absent only with a schedule that sets its own length (see compiler/schedules). */
  epochs?: number;
  seed?: number;
  /** `eval_every = K`: evaluate (and select) every K epochs and after the last; absent means every epoch. */
  evalEvery?: number;
  /**
   * `patience = P`: stop after P evaluations in a row without a better selection metric. Only
   * accepted with `select = best(…)`, the metric it watches.
   */
  patience?: number;
  select: SelectSpec;
  report: MetricSpec[];
  schedule?: ScheduleSpec;
  /** IR passes to run on the module (model-stage passes are not among them: see `modelPasses`). */
  passes: PassSpec[];
  /** Model-stage passes (`to_reversible`), already applied to the model that `module` was built from. */
  modelPasses?: PassSpec[];
}

export const SPLITS = ["train", "val", "test"] as const;
export type SplitName = (typeof SPLITS)[number];

export const METRICS = ["accuracy", "macro_f1", "roc_auc"] as const;
export type MetricName = (typeof METRICS)[number];

export const LOSSES = ["cross_entropy", "nll", "bce_with_logits", "mse", "reconstruction"] as const;
export type LossName = (typeof LOSSES)[number];

export const OPTIMIZERS = ["sgd", "adam", "adamw"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const SCHEDULES = ["decoupled", "admm", "soup"] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export const LR_SCHEDULES = ["step", "cosine", "cosine_restarts"] as const;
export type LrScheduleName = (typeof LR_SCHEDULES)[number];

/** A value of a free-form option (schedules, passes): bare words such as `rigl` become strings. */
export type OptionValue = number | boolean | string | readonly OptionValue[];

export interface ModelCall {
  /** The model's name (`GCN`). */
  name: string;
  /** Every model parameter after defaults; symbolic sizes are strings (`cora.num_features`). */
  args: Record<string, number | boolean | string>;
  span: Span;
}

export interface LossSpec {
  name: LossName;
  /** The split whose labelled nodes the loss averages over. */
  mask: SplitName;
  /**
   * `reconstruction(mask_rate = r)`: a graph auto-encoder's loss over every node; each entry of
   * the adjacency is left out of it with probability r (techniques.md §1's unsupervised modules).
   */
  maskRate?: number;
  span: Span;
}

export interface OptimizerOptions {
  lr: number;
  weightDecay: number;
  /** sgd */
  momentum?: number;
  nesterov?: boolean;
  /** adam / adamw */
  betas?: readonly [number, number];
  eps?: number;
}

/** Options for the parameters of one member of the model (`group(conv1, weight_decay = 5e-4)`). */
export interface OptimizerGroup {
  member: string;
  /** Only the options given in the group; the rest come from the optimizer. */
  options: Partial<OptimizerOptions>;
  span: Span;
}

export interface OptimizerSpec {
  name: OptimizerName;
  options: OptimizerOptions;
  /** Gradient clipping by global norm. */
  clipNorm?: number;
  groups: OptimizerGroup[];
  span: Span;
}

export interface LrScheduleSpec {
  name: LrScheduleName;
  args: Record<string, OptionValue>;
  span: Span;
}

export interface ScheduleSpec {
  name: ScheduleName;
  args: Record<string, OptionValue>;
  /** Where each option was written, for diagnostics about it. */
  argSpans?: Readonly<Record<string, Span>>;
  span: Span;
}

export type SelectSpec = { kind: "best"; split: SplitName; metric: MetricName; span: Span } | { kind: "last"; span: Span };

export interface MetricSpec {
  metric: MetricName;
  split: SplitName;
  span: Span;
}

export interface PassSpec {
  /** The pass itself: a built-in from the registry, or a user pass loaded (and type-checked) by the frontend. */
  pass?: AnyPass;
  /** Where each option's value was written. */
  optionSpans?: Record<string, Span>;
  /** The pass name (kebab-case: `shape_inference` in a .gnn file names `shape-inference`). */
  name: string;
  options: Record<string, OptionValue>;
  /** For `pass("./my-pass.ts", …)`: the path as written and resolved against the .gnn file. */
  path?: string;
  resolvedPath?: string;
  span: Span;
}
