import type { TensorType } from "../ir/types.js";
import type { BlockInstance, StackInstance } from "./instance.js";
import type { Instantiator } from "./instantiate.js";
import type { Reporter } from "./report.js";
import type { PassSpec } from "../train/spec.js";

/** What the frontend half of a model-stage pass may use. */
export interface ModelPassEnv {
  reporter: Reporter;
  /** Re-instantiates blocks whose sizes the pass changes. */
  instantiator: Instantiator;
  /**
   * Elaborate `model` as its train block will (the IR is discarded), telling `onStackCall` of every
   * stack call and the type of the value it carries. Aborts after reporting the model's errors.
   */
  elaborate(model: BlockInstance, onStackCall: (stack: StackInstance, carried: TensorType) => void): void;
}

/**
 * A model-stage pass applied by the frontend: the instantiated model in, the rewritten model out,
 * before parameters are collected. Reports through `env.reporter`; aborts on error.
 */
export type ModelRewrite = (model: BlockInstance, pass: PassSpec, env: ModelPassEnv) => BlockInstance;
