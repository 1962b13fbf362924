import type { Func } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { predictPeakBytes } from "../../compiler/plan/peak.js";
import { DataMemo, MemoryMeter, runFunc } from "../reference/index.js";
import { valueBytes } from "./value-bytes.js";
import { checkInputs, funcNamed, resultIndex, RunnerError, type Runner, type RunnerMemory, type RunnerProgram, type RunOptions, type StateSnapshot } from "./runner.js";

/**
 * The reference runner: the IR interpreter on the CPU. Values that depend only on the data
 * (normalisations, propagated features) are computed once (DataMemo); each run's memory is
 * measured (MemoryMeter).
 */
export class ReferenceRunner implements Runner {
  readonly kind = "reference";
  private readonly funcs: ReadonlyMap<string, Func>;
  private data: Readonly<Record<string, Value>>;
  private readonly symbols: Readonly<Record<string, number>>;
  private memo: DataMemo;
  private current: Record<string, TensorValue>;
  private readonly outputs = new Map<string, ReadonlyMap<string, Value>>();
  private log: number[] = [];
  private peak = 0;

  constructor(program: RunnerProgram) {
    this.funcs = new Map(program.funcs.map((f) => [f.name, f]));
    this.data = program.data;
    this.symbols = program.symbols;
    this.current = { ...program.state };
    this.memo = new DataMemo(new Set(Object.keys(program.data)));
  }

  async run(name: string, inputs: Readonly<Record<string, Value>> = {}, options: RunOptions = {}): Promise<void> {
    const func = funcNamed(this.funcs, name);
    checkInputs(func, this.data, inputs);
    const meter = new MemoryMeter();
    const outs = runFunc(func, { inputs: { ...this.data, ...inputs }, params: this.current, symbols: this.symbols }, { meter, memo: this.memo });
    this.peak = Math.max(this.peak, meter.peakBytes);
    const kept = new Map<string, Value>();
    func.resultNames.forEach((result, k) => {
      if (result in this.current) this.current[result] = outs[k] as TensorValue;
      else kept.set(result, outs[k]);
    });
    this.outputs.set(name, kept);
    if (options.log !== undefined) {
      const v = kept.get(options.log);
      if (v?.kind !== "tensor") throw new RunnerError(`\`${name}\` has no scalar result \`${options.log}\` to log`);
      this.log.push(v.data[0]);
    }
  }

  async read(name: string, result: string): Promise<TensorValue> {
    const func = funcNamed(this.funcs, name);
    resultIndex(func, result);
    const v = this.outputs.get(name)?.get(result);
    if (!v) throw new RunnerError(`\`${name}\` has not run yet, or its result \`${result}\` is state (read it with state())`);
    if (v.kind !== "tensor") throw new RunnerError(`result \`${result}\` of \`${name}\` is a ${v.kind}, not a tensor`);
    return v;
  }

  async logged(): Promise<number[]> {
    const out = this.log;
    this.log = [];
    return out;
  }

  /** A reference run has finished when `run` resolves. */
  async finish(): Promise<void> {}

  async state(names?: readonly string[]): Promise<Record<string, TensorValue>> {
    if (!names) return { ...this.current }; // values are never mutated: a shallow copy is a snapshot
    const out: Record<string, TensorValue> = {};
    for (const n of names) {
      if (!(n in this.current)) throw new RunnerError(`no state entry \`${n}\``);
      out[n] = this.current[n];
    }
    return out;
  }

  snapshot(): StateSnapshot {
    const values = { ...this.current }; // values are never mutated: a shallow copy is a snapshot
    return { read: async () => values, release: () => {} };
  }

  setState(values: Readonly<Record<string, TensorValue>>): void {
    for (const [name, v] of Object.entries(values)) {
      if (!(name in this.current)) throw new RunnerError(`no state entry \`${name}\` to set`);
      this.current[name] = v;
    }
  }

  setData(values: Readonly<Record<string, Value>>): void {
    for (const name of Object.keys(values)) if (!(name in this.data)) throw new RunnerError(`no data input \`${name}\` to replace`);
    this.data = { ...this.data, ...values };
    this.memo = new DataMemo(new Set(Object.keys(this.data)));
  }

  memory(): RunnerMemory {
    const predicted = Math.max(0, ...[...this.funcs.values()].map((f) => predictPeakBytes(f, this.symbols).total));
    return { heldBytes: valueBytes([...Object.values(this.current), ...Object.values(this.data), ...this.memo.values.values()]), peakBytes: this.peak, predictedBytes: predicted };
  }

  destroy(): void {}
}
