import { error } from "../../grammar/diagnostics.js";
import { PASS_CODES } from "./codes.js";
import type { Pass } from "./pass.js";
import { placeholderSpan } from "../../grammar/span.js";

export interface ToReversibleOptions {
  groups: number;
}

/**
 * `passes = [to_reversible(groups = C)]` in a train block: every plain residual stack of the model,
 * `repeat(n) B(…)` whose block returns `h + F(h, …)`, becomes `reversible(groups = C) repeat(n) B'(…)`
 * with B' returning F and B's width parameter divided by C. It changes the model on purpose: each
 * block's parameters shrink to those of C groups of width D/C, and activation memory stops growing
 * with depth. Parameter shapes are fixed when the model is instantiated, so this is a model-stage
 * pass that the frontend applies (compiler/frontend/reversible-rewrite.ts); this entry is what
 * lists, documents and option-checks it like every other pass. (`reversible` is a keyword of the
 * language, hence the `to_` in the name.)
 */
export const toReversible: Pass<ToReversibleOptions> = {
  name: "to-reversible",
  description:
    "Model stage (a train block's `passes`): make each residual stack `repeat(n) B(…)`, B's forward `h + F(h, …)`, " +
    "the reversible stack `reversible(groups = C) repeat(n) B'(…)`: B' returns F and B's width parameter (its int " +
    "equal to the carried width D) is divided by C. Changes the model on purpose: each block's parameters shrink to C " +
    "groups of width D/C, activation memory becomes flat in depth. Other stacks are left alone; a warning if none converts.",
  options: {
    groups: { kind: "int", default: 2, doc: "channel groups C (at least 2); the carried width D must be divisible by C" },
  },
  stage: "model",
  run(module, ctx) {
    const at = ctx.span ?? module.span ?? placeholderSpan();
    return {
      module,
      changed: false,
      diagnostics: [
        error(PASS_CODES.modelStageInPipeline.code, "pass `to-reversible` changes parameter shapes, so it cannot run on an IR module", at, {
          help: "list it in the train block instead: `passes = [to_reversible(groups = 2)]`",
        }),
      ],
    };
  },
};
