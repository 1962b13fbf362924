import { describe, expect, it } from "vitest";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { lastRowReaders } from "../../compiler/plan/compact-values.js";

/**
 * A dropout's kept view holds its rows only until the last node that may read them: the last
 * product by rows (P·Wᵀ, P·W) of the dropout, not the weight gradients that walk its columns.
 */
describe("the kept view's row side", () => {
  it("is read last by the last product by rows, whatever reads the columns after it", () => {
    const b = new FuncBuilder("f");
    const f32 = (...shape: number[]) => ({ kind: "tensor", dtype: "f32", shape }) as const;
    const x = b.leaf("s.input", f32(50, 30), { name: "x" });
    const rng = b.leaf("s.input", { kind: "rng" }, { name: "rng" });
    const w = b.leaf("s.param", f32(16, 30), { name: "w" });
    const w2 = b.leaf("s.param", f32(30, 8), { name: "w2" });
    const d = b.leaf("s.param", f32(50, 16), { name: "d" });
    const dropped = b.emit("nn.dropout", [x, rng], { p: 0.5 });
    const first = b.emit("t.matmul", [dropped, w], { transB: true });
    const second = b.emit("t.matmul", [dropped, w2]);
    const grad = b.emit("t.matmul", [d, dropped], { transA: true });
    const gradT = b.emit("t.matmul", [dropped, d], { transA: true });
    const f = b.finish([first, second, grad, gradT], ["a", "b", "c", "e"]);
    const readers = lastRowReaders(f.body);
    expect(readers.get(dropped)).toBe(second);
    expect(readers.has(x)).toBe(false);
  });
});
