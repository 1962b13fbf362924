import { inputName } from "../../compiler/ir/struct-views.js";
import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";

/**
 * A runner executes lowered IR functions on one device — the reference interpreter or the GPU —
 * over one set of named state (parameters, buffers, optimizer states, and whatever a schedule
 * keeps between its functions). It is the narrow interface every client drives: the epoch
 * trainer, evaluation, and the schedule drivers. A client never sees buffers or kernels.
 *
 * The rule that makes training a plain function run: a result whose name is a state entry
 * replaces that entry (a training step returns the new weights under the weights' names); every
 * other result is kept as an output of the run, readable until the function runs again.
 *
 * Runs are queued: `run` returns once the device has its work. Reads (`read`, `logged`, `state`)
 * take their values as they are when called, whatever is queued after, so a client may queue the
 * next runs before awaiting a read, and the device need not sit idle while the host waits.
 */
export interface Runner {
  readonly kind: RunnerKind;
  /** Run a loaded function. Its inputs come from the runner's data, overridden by `inputs`. */
  run(func: string, inputs?: Readonly<Record<string, Value>>, options?: RunOptions): Promise<void>;
  /** An output of the function's last run, by result name, as a host tensor (waits for the device). */
  read(func: string, result: string): Promise<TensorValue>;
  /** The scalars logged by runs since the last call, in order (one wait for the device). */
  logged(): Promise<number[]>;
  /**
   * Resolves when every run asked for so far has finished on the device(s). A GPU (or a worker)
   * runs behind the caller, so a clock read before this measures what was queued, not what ran.
   */
  finish(): Promise<void>;
  /** The named state, every entry or those named, as host tensors the caller may keep. */
  state(names?: readonly string[]): Promise<Record<string, TensorValue>>;
  /**
   * The state as it is now, kept for reading later (a candidate epoch's, while its metrics are on
   * their way back): cheap to take where reading is not (on the GPU a copy on the device), and
   * reading it waits only for the runs queued before it. Read or release each snapshot taken.
   */
  snapshot(): StateSnapshot;
  /** Replace state entries (initial values, a checkpoint, a schedule's hand-over). Names and shapes must exist. */
  setState(values: Readonly<Record<string, TensorValue>>): void;
  /**
   * Replace inputs the runner was opened with (the next subgraph of a run that learns on parts of
   * a graph): what was computed once from them is computed again. Each value must have the sizes
   * the runner was opened with (a padded subgraph), and at most the nonzeros of the first.
   */
  setData(values: Readonly<Record<string, Value>>): void;
  memory(): RunnerMemory;
  destroy(): void;
}

export type RunnerKind = "reference" | "gpu";

/** State taken at one point of a runner's queue (Runner.snapshot). */
export interface StateSnapshot {
  /** Every state entry as it was when taken, as host tensors the caller may keep; releases the snapshot. */
  read(): Promise<Record<string, TensorValue>>;
  /** Drop the snapshot unread. */
  release(): void;
}

export interface RunOptions {
  /**
   * Append this scalar result to the log without reading it back now: a GPU runs ahead and the
   * log comes back with `logged()` (a training step's loss).
   */
  log?: string;
}

/** What a runner is opened with: lowered functions sharing one state, and the data they read. */
export interface RunnerProgram {
  funcs: readonly Func[];
  /** Inputs fixed for the runner's life (features, graph, labels, masks): bound once. */
  data: Readonly<Record<string, Value>>;
  /** The initial value of every state entry the functions read or write. */
  state: Readonly<Record<string, TensorValue>>;
  /** Every symbol's value (the module's and the bound data's). */
  symbols: Readonly<Record<string, number>>;
}

export interface RunnerMemory {
  /** Bytes held for the runner's life outside what `peakBytes` counts (host data and state). */
  heldBytes: number;
  /** Most bytes of values held at once so far (on the GPU: every buffer, all resident). */
  peakBytes: number;
  /** The same, predicted from the functions' types before running (compiler/plan). */
  predictedBytes: number;
}

/** Thrown when a client asks a runner for something it was not opened with: a caller's bug, named. */
export class RunnerError extends Error {}

/** The function named `name` among `funcs`. */
export function funcNamed(funcs: ReadonlyMap<string, Func>, name: string): Func {
  const f = funcs.get(name);
  if (!f) throw new RunnerError(`no function \`${name}\` is loaded (loaded: ${[...funcs.keys()].join(", ")})`);
  return f;
}

/** Every `s.input` of `func` must come from the data or the call: a GPU would otherwise read a stale buffer. */
export function checkInputs(func: Func, data: Readonly<Record<string, Value>>, given: Readonly<Record<string, Value>>): void {
  const names = func.body.map(inputName).filter((name): name is string => name !== undefined);
  const missing = names.filter((name) => !(name in given) && !(name in data));
  if (missing.length) throw new RunnerError(`\`${func.name}\` needs input(s) ${missing.map((n) => `\`${n}\``).join(", ")}, which the run was not given`);
}

/** The result named `name` of `func`, by position. */
export function resultIndex(func: Func, name: string): number {
  const k = func.resultNames.indexOf(name);
  if (k < 0) throw new RunnerError(`\`${func.name}\` has no result \`${name}\` (results: ${func.resultNames.join(", ")})`);
  return k;
}
