import type { KernelSpec } from "../codegen/kernel.js";
import type { PatternArray } from "../codegen/pattern.js";
import type { BindingLimits } from "./binding-split.js";

/**
 * A function's launch plan for a GPU: every value gets buffer slots (buffer-assignment.ts), every
 * node a kernel launch or several (launch-lowering.ts), every loop a host-driven repetition of its
 * body's launches. Pure data — the runtime allocates the slots, compiles the kernels and records
 * the steps into one command encoder. plan-launches.ts makes it.
 *
 * Sizes are concrete: a launch plan is made once the data is bound (symbols known).
 */
/** A buffer the runtime allocates: its size in bytes (before padding) and a label for errors. */
export interface Slot {
  bytes: number;
  label: string;
}

export type Step =
  | { kind: "dispatch"; kernel: number; sizes: Readonly<Record<string, number>>; buffers: readonly number[] }
  | { kind: "copy"; from: number; to: number; bytes: number }
  | {
      kind: "loop";
      trip: number;
      reverse: boolean;
      /** Slot of the i32 index the body reads, refilled from `indexTable` (one i32 per iteration) before each iteration. */
      index: number;
      indexTable: number;
      body: readonly Step[];
      /**
       * Equilibrium loops: the slot of the loop's flag words (codegen/equilibrium.ts). The body ends
       * with the convergence check and a state update that stops once converged, so the runtime may
       * run iterations in chunks, reading `flag` back between them and stopping when word 0 is set.
       */
      until?: { flag: number };
    };

/** A graph the runtime has on the host: an input by name, or a value computed on the host (by id). */
export type HostGraph = { input: string } | { hosted: number };

export interface LaunchPlan {
  slots: readonly Slot[];
  /** Distinct kernels (by WGSL text); steps refer to them by position. */
  kernels: readonly KernelSpec[];
  steps: readonly Step[];
  /** `s.input` names → their slots (a graph has three: indptr, src, dst; an rng key one). */
  inputs: ReadonlyMap<string, readonly number[]>;
  /** `s.param` names → slot. */
  params: ReadonlyMap<string, number>;
  /** Values computed on the host once (they depend on unchanging data only) → their slots. */
  hosted: ReadonlyMap<number, readonly number[]>;
  /** Of those, each one's shared buffer name (hosted-names.ts): functions computing the same value share its buffers. */
  hostedNames: ReadonlyMap<number, string>;
  /** Slots the runtime fills once with the given words (loop index tables). */
  constants: ReadonlyMap<number, Int32Array>;
  /**
   * Graphs whose source-grouped view (graphBySource: indptr, edges) some kernel reads: the value
   * (an input by name, or a host value by id) and the two slots the runtime fills once at load.
   */
  bySource: readonly { graph: HostGraph; slots: readonly [number, number] }[];
  /** Graphs whose nodes some row kernel visits most edges first (graph_order): the value, the side, and the slot the runtime fills at load. */
  graphOrders: readonly { graph: HostGraph; by: "dst" | "src"; slot: number }[];
  /** Keys the runtime derives on the host when an rng input is given: foldKey(input's key, salt) into the slot (`s.rng_fold` of an input). */
  keyFolds: readonly { input: string; salt: number; slot: number }[];
  /**
   * Inputs stored compactly (their nonzero values in row order, see pattern.ts): the runtime
   * derives the pattern from the value given at load and uploads only the values.
   */
  compact: readonly string[];
  /** Compactly stored inputs whose values some kernel reads in column order (BindingSource `column_values`), and that copy's slot. */
  columnValues: readonly { input: string; slot: number }[];
  /** Patterned inputs some kernel reads the pattern of: the input, and the slot of each array a kernel reads. */
  patterns: readonly { input: string; arrays: Readonly<Partial<Record<PatternArray, number>>> }[];
  /** Each function result's slots (one per tuple item / graph array). */
  results: readonly (readonly number[])[];
  /**
   * The slots of computed values (reused within the function as values die): nothing in them
   * outlives a run but the results, so functions that never run at once may share them
   * (scratch-pool.ts).
   */
  reusable: readonly number[];
}

export interface LaunchPlanOptions {
  symbols: Readonly<Record<string, number>>;
  /**
   * Inputs that are mostly zeros with a pattern known at load (see pattern.ts), with their nonzero
   * counts: stored compactly; dropout and matmuls over them visit only the nonzeros, and any
   * other op reads a dense copy made just before it.
   */
  patterned?: ReadonlyMap<string, number>;
  /** Top-level node ids computed on the host (graph normalisation and the like). */
  hosted?: ReadonlySet<number>;
  /**
   * The device's binding limits: a buffer over `maxBindingBytes` is bound as several ranges
   * (binding-split.ts). Default: WebGPU's default limits.
   */
  limits?: BindingLimits;
}
