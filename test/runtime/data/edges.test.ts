import { describe, expect, it } from "vitest";
import { checkSymmetry, sortEdges, symmetrize } from "../../../runtime/data/edges.js";

const I = (xs: number[]) => Int32Array.from(xs);

describe("edge clean-up", () => {
  it("returns clean input unchanged (no copy)", () => {
    const src = I([0, 0, 1]);
    const dst = I([1, 2, 0]);
    const out = sortEdges(3, src, dst, { dropSelfLoops: true });
    expect(out.src).toBe(src);
    expect(out.firstUnsorted).toBe(-1);
  });

  it("sorts, dedupes and drops self loops, saying where", () => {
    const out = sortEdges(4, I([2, 0, 1, 0, 3, 2]), I([1, 3, 1, 3, 0, 1]), { dropSelfLoops: true });
    expect(Array.from(out.src)).toEqual([0, 2, 3]);
    expect(Array.from(out.dst)).toEqual([3, 1, 0]);
    expect(out).toMatchObject({ selfLoopsRemoved: 1, firstSelfLoop: 2, duplicatesRemoved: 2, firstUnsorted: 1 });
    const kept = sortEdges(4, I([1, 0]), I([1, 2]), { dropSelfLoops: false });
    expect([Array.from(kept.src), kept.selfLoopsRemoved, kept.firstSelfLoop]).toEqual([[0, 1], 0, 0]);
  });

  it("symmetrises and checks symmetry", () => {
    const sym = symmetrize(3, I([0, 0, 1]), I([1, 2, 0]));
    expect(sym.added).toBe(1);
    expect(Array.from(sym.src)).toEqual([0, 0, 1, 2]);
    expect(Array.from(sym.dst)).toEqual([1, 2, 0, 0]);
    expect(checkSymmetry(3, sym.src, sym.dst)).toEqual({ missingReverse: 0, firstMissing: -1 });
    expect(checkSymmetry(3, I([0, 0, 1]), I([1, 2, 0]))).toEqual({ missingReverse: 1, firstMissing: 1 });
  });

  it("handles a million edges in well under a second", () => {
    const n = 50_000;
    const m = 1_000_000;
    const src = new Int32Array(m);
    const dst = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      src[k] = (k * 7919) % n;
      dst[k] = (k * 104729 + 13) % n;
    }
    const out = sortEdges(n, src, dst, { dropSelfLoops: true });
    for (let k = 1; k < out.src.length; k++) {
      if (out.src[k] < out.src[k - 1] || (out.src[k] === out.src[k - 1] && out.dst[k] <= out.dst[k - 1])) throw new Error(`not sorted at ${k}`);
    }
    expect(out.src.length + out.selfLoopsRemoved + out.duplicatesRemoved).toBe(m);
  });
});
