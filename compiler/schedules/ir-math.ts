import { FuncBuilder } from "../ir/builder.js";
import type { Dim, TensorType } from "../ir/types.js";

/**
 * Tensor arithmetic written as IR, for schedules whose updates are closed forms (ADMM): each
 * method emits the op that computes it, so every update runs as kernels on the GPU and through
 * the interpreter on the reference device, never as host math.
 */
export class IrMath {
  constructor(readonly b: FuncBuilder) {}

  f32(...shape: Dim[]): TensorType {
    return { kind: "tensor", dtype: "f32", shape };
  }

  param(name: string, type: TensorType): number {
    return this.b.findLeaf("s.param", name) ?? this.b.leaf("s.param", type, { name });
  }

  input(name: string, type: TensorType): number {
    return this.b.findLeaf("s.input", name) ?? this.b.leaf("s.input", type, { name });
  }

  shape(x: number): readonly Dim[] {
    return (this.b.typeOf(x) as TensorType).shape;
  }

  c(value: number): number {
    return this.b.emit("t.const", [], { value, dtype: "f32" });
  }

  add(a: number, b: number): number {
    return this.b.emit("t.add", [a, b]);
  }
  sub(a: number, b: number): number {
    return this.b.emit("t.sub", [a, b]);
  }
  mul(a: number, b: number): number {
    return this.b.emit("t.mul", [a, b]);
  }
  div(a: number, b: number): number {
    return this.b.emit("t.div", [a, b]);
  }
  scale(x: number, k: number): number {
    return k === 1 ? x : this.mul(x, this.c(k));
  }
  neg(x: number): number {
    return this.b.emit("t.neg", [x]);
  }
  relu(x: number): number {
    return this.b.emit("t.relu", [x]);
  }
  max(a: number, b: number): number {
    return this.b.emit("t.maximum", [a, b]);
  }
  min(a: number, b: number): number {
    return this.neg(this.max(this.neg(a), this.neg(b)));
  }
  abs(x: number): number {
    return this.b.emit("t.abs", [x]);
  }
  sqrt(x: number): number {
    return this.b.emit("t.sqrt", [x]);
  }
  /** 1 where x > 0, 0 where x < 0, `atZero` at 0. */
  step(x: number, atZero = 0): number {
    return this.b.emit("t.step", [x], { at_zero: atZero });
  }
  /** a where s = 1, b where s = 0 (s a 0/1 mask, broadcast): a choice made by data, as arithmetic. */
  choose(s: number, a: number, b: number): number {
    return this.add(this.mul(s, a), this.mul(this.sub(this.c(1), s), b));
  }

  /** a·bᵀ etc.: `t.matmul` with the transposes given. */
  matmul(a: number, b: number, trans: { a?: boolean; b?: boolean } = {}): number {
    return this.b.emit("t.matmul", [a, b], { transA: trans.a === true, transB: trans.b === true });
  }
  /** Σ of every element: a scalar f32[]. */
  total(x: number): number {
    return this.b.emit("t.sum", [x], { axes: this.shape(x).map((_, k) => k) });
  }
  /** ‖x‖², a scalar. */
  sq(x: number): number {
    return this.total(this.mul(x, x));
  }
  /** ⟨a, b⟩, a scalar. */
  dot(a: number, b: number): number {
    return this.total(this.mul(a, b));
  }
  /** The mean of each column of a matrix (over its rows). */
  columnMean(x: number): number {
    return this.b.emit("t.mean", [x], { axes: [0] });
  }
}
