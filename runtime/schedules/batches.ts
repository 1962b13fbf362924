import { foldKey, keyFromSeed } from "../../compiler/ir/rng.js";
import type { InputSource, ScheduleProgram } from "../../compiler/schedules/program.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { DataError } from "../data/index.js";
import { Rng } from "../data/prng.js";
import type { BoundData } from "../train/bind.js";

/**
 * The row batches a schedule's functions take (InputSource `batch`): their sizes, bound as the
 * functions' symbols before the runner opens, and the rows of each run, drawn on the host without
 * replacement. Draws depend only on the seed and the phase, so a run resumed at a phase boundary
 * draws what the whole run would have.
 */

type BatchSource = Extract<InputSource, { from: "batch" }>;

function candidates(data: BoundData, rows: BatchSource["rows"]): Int32Array {
  if (rows === "all") return Int32Array.from({ length: data.symbols.N }, (_, i) => i);
  const split = data.splits[rows];
  if (!split) throw new DataError("badSplit", `the dataset has no \`${rows}\` split to draw batches from (it has ${Object.keys(data.splits).join(", ") || "none"})`);
  return split.nodes;
}

function batchSources(program: ScheduleProgram): BatchSource[] {
  return program.phases.flatMap((p) => p.steps.flatMap((s) => (s.kind === "run" ? Object.values(s.inputs).filter((i): i is BatchSource => i.from === "batch") : [])));
}

/** The row count of every batch symbol: the batch size, or all the rows when there are fewer. */
export function batchSymbols(program: ScheduleProgram, data: BoundData): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of batchSources(program)) {
    const count = candidates(data, b.rows).length;
    const size = b.size === "all" ? count : Math.min(b.size, count);
    if (size === 0) throw new DataError("badSplit", `the \`${b.rows}\` rows are empty: no batch of them for ${b.symbol}`);
    if (out[b.symbol] !== undefined && out[b.symbol] !== size) throw new Error(`internal: batch symbol ${b.symbol} has two sizes`);
    out[b.symbol] = size;
  }
  return out;
}

export class BatchDraws {
  private rng: Rng;
  private readonly whole = new Map<string, TensorValue>();

  constructor(
    private readonly data: BoundData,
    private readonly seed: number,
  ) {
    this.rng = this.phaseRng(0);
  }

  /** Draws from here on belong to phase `index`. */
  startPhase(index: number): void {
    this.rng = this.phaseRng(index);
  }

  /** The rows of one run: all of them in order when the batch covers them, else a fresh sample. */
  draw(b: BatchSource, size: number): TensorValue {
    const rows = candidates(this.data, b.rows);
    if (size >= rows.length) {
      let all = this.whole.get(b.rows);
      if (!all) this.whole.set(b.rows, (all = { kind: "tensor", dtype: "i32", shape: [rows.length], data: rows }));
      return all;
    }
    // A partial Fisher–Yates shuffle: the first `size` of a uniform permutation.
    const pool = Int32Array.from(rows);
    for (let i = 0; i < size; i++) {
      const j = i + (this.rng.nextU32() % (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return { kind: "tensor", dtype: "i32", shape: [size], data: pool.slice(0, size) };
  }

  private phaseRng(index: number): Rng {
    const [a, b] = foldKey(keyFromSeed(this.seed), 0x5eed + index);
    return new Rng([a, b, index, 0x9e3779b9]);
  }
}
