/**
 * Diagnostic codes of autodiff (E630–E639, and E694 among the internal errors). The pass layer's
 * table (passes/codes.ts) includes them, so codes stay unique; they are defined here because the
 * pass layer runs autodiff, not the other way round.
 */
export const AUTODIFF_CODES = {
  unknownLoss: { code: "E630", summary: "autodiff: a loss names a result the function does not return" },
  lossNotScalar: { code: "E631", summary: "autodiff: a loss result is not a scalar f32[]" },
  wrtSelectsNothing: { code: "E632", summary: "autodiff: a `wrt` entry selects no trainable parameter" },
  noGradientRule: { code: "E633", summary: "autodiff: an op on a gradient path has no gradient rule (vjp)" },
  unsupportedStack: { code: "E634", summary: "autodiff: a stack on a gradient path has a form autodiff does not support (nested repeat, several carried values)" },
  badLossesOption: { code: "E635", summary: "autodiff: the `losses` option is malformed" },
  badAutodiffTarget: { code: "E636", summary: "autodiff: the function to differentiate is missing, or the output name is taken" },
  badGradientRule: { code: "E694", summary: "internal error: an op's gradient rule emitted ill-typed IR or a gradient of the wrong type" },
} as const;
