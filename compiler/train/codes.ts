/**
 * Diagnostic codes of lowering a checked train block to IR training functions (E54x, in the
 * train-block range E5xx): what a `.gnn` file may say but training cannot lower, refused with
 * a code instead of being ignored.
 */
export const TRAIN_CODES = {
  noForward: { code: "E540", summary: "the module has no `forward` function to train" },
  unsupportedLoss: { code: "E541", summary: "the loss needs targets the datasets cannot supply yet (multi-label or regression)" },
  unsupportedSchedule: { code: "E542", summary: "a block with a schedule handed to epoch-training lowering (its schedule kind lowers it)" },
  unknownInput: { code: "E544", summary: "the model's forward takes an input the dataset cannot supply" },
  badClipNorm: { code: "E545", summary: "gradient clipping needs clip_norm > 0" },
  badOutput: { code: "E546", summary: "the model's predictions are not a [N, C] float tensor" },
  badLrSchedule: { code: "E548", summary: "the learning-rate schedule's arguments are unusable" },
  stepBuildFailed: { code: "E547", summary: "internal error: an optimizer update op rejected the training step's values" },
} as const;
