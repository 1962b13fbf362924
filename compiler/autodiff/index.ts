/** Reverse-mode automatic differentiation of IR functions. */
export { differentiate, gradResultName, type DifferentiateOptions, type LossSpec } from "./differentiate.js";
export { parseLossesOption } from "./losses-option.js";
export { ALL_PARAMS } from "./select-params.js";
