/** The reference device: the IR interpreter and parameter initialisation, in plain TypeScript. */
export { runFunc, InterpretError, type RunEnv, type RunOptions } from "./interpreter.js";
export { initParams } from "./init.js";
export { MemoryMeter } from "./memory-meter.js";
export { DataMemo } from "./data-memo.js";
export { SymbolTable, describe as describeValue } from "./bind.js";
