import { HeldBytes } from "../../compiler/plan/held-bytes.js";
import { dtypeBytes } from "../../compiler/ir/type-utils.js";
import type { Value } from "../../compiler/ir/values.js";

/**
 * Measures a reference run's memory: the bytes of the IR values the interpreter holds at once
 * (it frees each value after its last use), counted per real buffer at device sizes (f32 as 4
 * bytes even in f64 runs). Inputs and parameters are the caller's and are not counted; neither is
 * an op's internal scratch.
 */
export class MemoryMeter {
  private readonly held = new HeldBytes<ArrayBufferLike>();

  /** The most bytes held at once so far. */
  get peakBytes(): number {
    return this.held.peak;
  }

  /** The caller's buffers (inputs, parameters): a value sharing one (a reshape's view) is not counted. */
  private readonly callers = new WeakSet<ArrayBufferLike>();

  /** `v` is an input or parameter: its buffers are the caller's. */
  callerHolds(v: Value): void {
    for (const [buffer] of buffersOf(v)) this.callers.add(buffer);
  }

  hold(v: Value): void {
    for (const [buffer, bytes] of buffersOf(v)) if (!this.callers.has(buffer)) this.held.hold(buffer, bytes);
  }

  release(v: Value): void {
    for (const [buffer] of buffersOf(v)) if (!this.callers.has(buffer)) this.held.release(buffer);
  }
}

function buffersOf(v: Value): [ArrayBufferLike, number][] {
  switch (v.kind) {
    case "tensor":
      return [[v.data.buffer, v.data.length * dtypeBytes(v.dtype)]];
    case "graph":
      return [v.indptr, v.src, v.dst].map((a): [ArrayBufferLike, number] => [a.buffer, a.byteLength]);
    case "tuple":
      return v.items.flatMap(buffersOf);
    case "rng":
      return [];
  }
}
