import { getPass } from "../passes/registry.js";
import type { BlockInstance } from "./instance.js";
import type { ModelPassEnv, ModelRewrite } from "./model-pass-env.js";
import { convertResidualStacks } from "./reversible-rewrite.js";
import type { PassSpec } from "../train/spec.js";

/** The frontend half of every built-in pass whose `stage` is "model", by pass name. */
const MODEL_REWRITES: Readonly<Record<string, ModelRewrite>> = {
  "to-reversible": convertResidualStacks,
};

/** A train-block pass that rewrites the model before its parameters exist (built-ins only). */
export function isModelPass(spec: PassSpec): boolean {
  return spec.path === undefined && getPass(spec.name)?.stage === "model";
}

/** Names of the model-stage passes the frontend applies (a test keeps this in step with the registry). */
export function modelRewriteNames(): string[] {
  return Object.keys(MODEL_REWRITES);
}

/** Apply the train block's model-stage passes in the order written. */
export function applyModelPasses(model: BlockInstance, passes: readonly PassSpec[], env: ModelPassEnv): BlockInstance {
  let out = model;
  for (const p of passes) {
    const rewrite = MODEL_REWRITES[p.name];
    if (!rewrite) throw new Error(`internal: model-stage pass \`${p.name}\` has no frontend rewrite`);
    out = rewrite(out, p, env);
  }
  return out;
}
