import { describe, expect, it } from "vitest";
import { compactValues, patternNonzeros, sparsePattern, withCsrForm } from "../../compiler/codegen/pattern.js";
import { packLayout, PACK_ALIGNMENT } from "../../compiler/plan/index.js";
import type { TensorValue } from "../../compiler/ir/values.js";

const t = (rows: number[][]): TensorValue => ({ kind: "tensor", dtype: "f32", shape: [rows.length, rows[0].length], data: Float32Array.from(rows.flat()) });

describe("zero patterns", () => {
  const x = t([
    [0, 2, 0, 3],
    [0, 0, 0, 0],
    [5, 0, 0, 7],
  ]);

  it("index the nonzeros by row and by column, and map each column-order entry to its row-order value", () => {
    const p = sparsePattern(x);
    expect([...p.rowptr]).toEqual([0, 2, 2, 4]);
    expect([...p.cols]).toEqual([1, 3, 0, 3]);
    expect([...p.colptr]).toEqual([0, 1, 2, 2, 4]);
    expect([...p.rows]).toEqual([2, 0, 0, 2]);
    const values = compactValues(x, p, "x");
    expect([...values]).toEqual([2, 3, 5, 7]);
    // Column order: (2,0)=5, (0,1)=2, (0,3)=3, (2,3)=7.
    expect([...p.perm].map((e) => values[e])).toEqual([5, 2, 3, 7]);
  });

  it("refuse a value with a nonzero where the pattern has a zero, naming the element", () => {
    const p = sparsePattern(x);
    const moved = t([
      [0, 2, 0, 3],
      [0, 0, 9, 0],
      [5, 0, 0, 7],
    ]);
    expect(() => compactValues(moved, p, "x")).toThrow("input x: element [1, 2] = 9 is nonzero");
    // Zeros where the pattern has nonzeros are fine (dropout does that).
    expect([...compactValues(t([[0, 0, 0, 3], [0, 0, 0, 0], [5, 0, 0, 0]]), p, "x")]).toEqual([0, 3, 5, 0]);
  });
});

describe("zero patterns of tensors built from CSR", () => {
  // 4 nonzeros of 120 entries: mostly zero enough for a pattern.
  const wide = (row: number[]) => [...row, ...new Array(36).fill(0)];
  const dense = () => t([wide([0, 2, 0, 3]), wide([0, 0, 0, 0]), wide([5, 0, 0, 7])]);

  it("come from the CSR arrays: the same pattern and values as a scan, explicit zeros left out", () => {
    // Row 2 stores an explicit zero at column 1.
    const x = withCsrForm(dense(), Int32Array.from([0, 2, 2, 5]), Int32Array.from([1, 3, 0, 1, 3]), Float32Array.from([2, 3, 5, 0, 7]));
    x.data.fill(0); // not read again: the pattern and values are the CSR's
    const p = sparsePattern(x);
    expect(p).toEqual(sparsePattern(dense()));
    expect([...compactValues(x, p, "x")]).toEqual([2, 3, 5, 7]);
    expect(patternNonzeros(x)).toBe(4);
  });

  it("are scanned as usual when a row's columns are not ascending", () => {
    const x = withCsrForm(dense(), Int32Array.from([0, 2, 2, 4]), Int32Array.from([3, 1, 0, 3]), Float32Array.from([3, 2, 5, 7]));
    x.data.fill(0);
    expect(patternNonzeros(x)).toBe(0); // the scan of the (now zero) dense data
  });
});

describe("the parameter pack", () => {
  it("lays entries out in name order at aligned offsets, each padded like its own buffer", () => {
    const layout = packLayout(new Map([["b", 4], ["a", 300], ["c", 16]]));
    expect([...layout.offsets]).toEqual([["a", 0], ["b", 2 * PACK_ALIGNMENT], ["c", 3 * PACK_ALIGNMENT]]);
    expect(layout.bytes).toBe(3 * PACK_ALIGNMENT + 16);
    expect(packLayout(new Map()).bytes).toBe(0);
  });
});
