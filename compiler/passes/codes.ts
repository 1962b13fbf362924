import { AUTODIFF_CODES } from "../autodiff/codes.js";

/**
 * Diagnostic codes of the pass layer (E6xx). One table so that codes never collide and
 * `gnnc explain` can describe each. Ranges: E600–E619 pipelines and the manager,
 * E620–E659 built-in passes, E690–E699 internal errors (a pass is buggy, not the user's model).
 */

export interface CodeInfo {
  readonly code: string;
  readonly summary: string;
}

export const PASS_CODES = {
  unknownPass: { code: "E601", summary: "the pipeline names a pass that does not exist" },
  pipelineSyntax: { code: "E602", summary: "the pipeline text is malformed" },
  unknownOption: { code: "E603", summary: "a pass is given an option it does not declare" },
  badOptionValue: { code: "E604", summary: "an option value has the wrong type or is not one of the allowed values" },
  missingOption: { code: "E605", summary: "a required pass option is not given" },
  duplicateOption: { code: "E606", summary: "a pass option is given twice" },
  unmetRequirement: { code: "E607", summary: "a pass requires a property no earlier pass provides" },
  unknownPrintTarget: { code: "E608", summary: "print-ir-after names a pass that is not in the pipeline" },
  modelStageInPipeline: { code: "E609", summary: "a model-stage pass (it changes parameter shapes) is run on an IR module; list it in a train block's `passes`" },
  userPassUnreadable: { code: "E610", summary: "a user pass's file cannot be read" },
  userPassTypeError: { code: "E611", summary: "a user pass does not type-check against gnnc's published API" },
  userPassSyntax: { code: "E612", summary: "a user pass is not valid TypeScript" },
  userPassNotAPass: { code: "E613", summary: "a user pass's default export is missing or is not a Pass" },
  userPassNameTaken: { code: "E614", summary: "a user pass has the name of another pass" },
  userPassTimeout: { code: "E615", summary: "a user pass ran past its time limit" },
  userPassMutated: { code: "E616", summary: "a user pass changed its input module instead of building new nodes" },
  userPassLoadFailed: { code: "E617", summary: "a user pass's module failed to load (a forbidden import, or its top level threw)" },
  userPassThrew: { code: "E618", summary: "a user pass threw instead of returning diagnostics" },

  inferFailed: { code: "E620", summary: "shape inference rejects a node's inputs or attributes" },
  typeMismatch: { code: "E621", summary: "a node's stored type disagrees with the type inferred from the op spec table" },
  unknownOp: { code: "E622", summary: "a node uses an op that is not in the op spec table" },
  paramMismatch: { code: "E623", summary: "an s.param node disagrees with the module's parameter table" },

  noWeightsToSparsify: { code: "E640", summary: "sparsify: the model has no weight matrix (a trainable matrix read by a matmul) to sparsify" },
  sparsifyNeedsTraining: { code: "E641", summary: "sparsify: the module has no lowered `train_step` (it runs on a train block's training functions)" },
  sparsifyPhases: { code: "E642", summary: "sparsify: train-and-prune phase boundaries are out of order" },
  sparsifyUnsupported: { code: "E643", summary: "sparsify: a weight's update is not one it can mask, or a name it needs is taken" },

  // E630–E639 and E694: autodiff's own (autodiff/codes.ts).
  ...AUTODIFF_CODES,

  invalidInput: { code: "E690", summary: "internal error: the module given to the pipeline fails verification" },
  invalidOutput: { code: "E691", summary: "internal error: a pass produced IR that fails verification" },
  passThrew: { code: "E692", summary: "internal error: a pass threw instead of returning diagnostics" },
  badPassResult: { code: "E693", summary: "internal error: a pass returned something that is not a PassResult" },
} as const satisfies Record<string, CodeInfo>;

export type PassCodeName = keyof typeof PASS_CODES;

/** Every code of this table, for `gnnc explain` and for a uniqueness test. */
export function allPassCodes(): CodeInfo[] {
  return Object.values(PASS_CODES);
}
