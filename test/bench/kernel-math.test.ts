import { describe, expect, it } from "vitest";
import { copyBytes, matmulFlops, perSecondGiga, spmmBytes } from "../../bench/kernel-math.js";

describe("kernel traffic and work", () => {
  it("counts SpMM bytes with x gathered per edge, and once", () => {
    // 3 rows, 5 edges, rows of 2 floats: indptr 4 words, src 5, gathered x 10, output 6.
    expect(spmmBytes(3, 5, 2)).toEqual({ gathered: (4 + 5 + 10 + 6) * 4, compulsory: (4 + 5 + 6 + 6) * 4 });
  });
  it("counts a copy as a read and a write", () => {
    expect(copyBytes(1024)).toBe(8192);
  });
  it("counts two FLOPs per multiply-add", () => {
    expect(matmulFlops(2, 3, 4)).toBe(48);
  });
  it("turns amounts per millisecond into giga per second", () => {
    expect(perSecondGiga(2e9, 1000)).toBe(2);
    expect(perSecondGiga(5e6, 1)).toBe(5);
  });
});
