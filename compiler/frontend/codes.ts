/**
 * Diagnostic codes of the compiler frontend, one line each. E2xx names and imports, E3xx types and
 * shapes, E4xx layer/function arguments, E5xx train blocks; W2xx are warnings.
 */
export const FRONTEND_CODES = {
  // names and imports
  E201: "unknown name",
  E202: "unknown layer, block or function",
  E203: "duplicate declaration",
  E204: "cannot read an imported file",
  E205: "import cycle",
  E206: "unknown dataset attribute or member",
  E207: "a block or model contains itself",
  E208: "this value cannot be called",
  E209: "unknown dataset source or transform",
  E210: "a layer is created inside `forward` (declare it as a member)",
  E211: "a name is used as the wrong kind of thing (e.g. a block where a model is expected)",
  W201: "dataset not available here: its sizes stay symbolic",
  W202: "a model pass of a train block changes nothing (e.g. `to_reversible` finds no residual stack)",
  W203: "a parameter is over WebGPU's default storage-binding limit (128 MiB): the GPU may refuse it",
  // types and shapes
  E301: "a layer input has the wrong shape",
  E302: "an operation rejects its operand types",
  E303: "the value returned by `forward` does not match the declared return type",
  E304: "integer division is not exact",
  E305: "an operand has the wrong kind (tensor, graph, number, …)",
  E306: "invalid type annotation",
  E307: "an argument does not match the declared parameter type of a block's forward",
  E308: "a stacked block must return the type of its carried value",
  E309: "reversible groups do not divide the channel width",
  E310: "missing or misplaced `forward` or `return`",
  E311: "a value must be known at compile time",
  E312: "division by zero",
  E313: "an unsupported combination of stack modifiers",
  E314: "a model's forward parameter needs a type",
  E315: "a tensor has more elements than one tensor can hold (2³¹ − 1)",
  // arguments
  E401: "unknown argument name",
  E402: "missing required argument",
  E403: "argument given twice",
  E404: "too many positional arguments",
  E405: "argument has the wrong kind",
  E406: "argument value out of range or not one of the allowed values",
  E407: "wrong number of inputs in a call of a layer or block",
  // train blocks
  E501: "unknown train-block key",
  E502: "train-block key given twice",
  E503: "missing required train-block key",
  E504: "unknown loss",
  E505: "unknown optimizer",
  E506: "unknown metric",
  E507: "unknown training schedule",
  E508: "unknown learning-rate schedule",
  E509: "unknown split",
  E510: "malformed `select` (use `best(split.metric)` or `last`)",
  E511: "unknown pass",
  E512: "train-block entry has the wrong form",
  E513: "optimizer group names no member of the model",
  E514: "option not accepted by this optimizer",
  E515: "`patience` without `select = best(…)` (early stopping needs a metric to watch)",
  E516: "the `to_reversible` pass cannot tell which parameter of a residual block is its width",
} as const;

export type FrontendCode = keyof typeof FRONTEND_CODES;
