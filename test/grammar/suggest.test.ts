import { describe, expect, it } from "vitest";
import { damerauLevenshtein, didYouMean } from "../../grammar/suggest.js";

const LAYERS = ["Linear", "GCNConv", "SAGEConv", "GATConv", "GINConv", "SGConv", "LayerNorm", "BatchNorm", "Dropout"];

describe("damerauLevenshtein", () => {
  it("counts insertions, deletions, substitutions and adjacent transpositions", () => {
    expect(damerauLevenshtein("", "")).toBe(0);
    expect(damerauLevenshtein("abc", "")).toBe(3);
    expect(damerauLevenshtein("", "ab")).toBe(2);
    expect(damerauLevenshtein("kitten", "sitting")).toBe(3);
    expect(damerauLevenshtein("ab", "ba")).toBe(1);
    expect(damerauLevenshtein("GCNConv", "GNCConv")).toBe(1);
    expect(damerauLevenshtein("relu", "rleu")).toBe(1);
  });

  it("is the unrestricted distance, not optimal string alignment", () => {
    // OSA gives 3 here: it may not edit a transposed pair again.
    expect(damerauLevenshtein("ca", "abc")).toBe(2);
  });

  it("is symmetric", () => {
    for (const [a, b] of [["dropout", "droput"], ["SAGEConv", "SAGConv"], ["xyz", "zyx"]]) {
      expect(damerauLevenshtein(a, b)).toBe(damerauLevenshtein(b, a));
    }
  });
});

describe("didYouMean", () => {
  it("suggests the closest candidate within two edits", () => {
    expect(didYouMean("GCNCov", LAYERS)).toBe("GCNConv");
    expect(didYouMean("GNCConv", LAYERS)).toBe("GCNConv");
    expect(didYouMean("Dropuot", LAYERS)).toBe("Dropout");
    expect(didYouMean("Lienar", LAYERS)).toBe("Linear");
  });

  it("ranks a case-only difference above everything else", () => {
    expect(didYouMean("GCNconv", LAYERS)).toBe("GCNConv");
    expect(didYouMean("gcnconv", LAYERS)).toBe("GCNConv");
    // `sgconv1` is only one edit away, but the case-only match wins.
    expect(didYouMean("sgconv", [...LAYERS, "sgconv1"])).toBe("SGConv");
  });

  it("suggests nothing beyond two edits, or for an exact match", () => {
    expect(didYouMean("Transformer", LAYERS)).toBeUndefined();
    expect(didYouMean("GCNConv", LAYERS)).toBeUndefined();
    expect(didYouMean("x", [])).toBeUndefined();
  });

  it("does not call replacing a whole short name a typo", () => {
    expect(didYouMean("x", ["y", "h"])).toBeUndefined();
    expect(didYouMean("h", ["hh"])).toBe("hh");
  });

  it("breaks ties the same way whatever the order of candidates", () => {
    const candidates = ["GATConv", "GINConv"];
    expect(didYouMean("GAIConv", candidates)).toBe(didYouMean("GAIConv", [...candidates].reverse()));
    expect(didYouMean("GXNConv", ["GINConv", "GCNConv"])).toBe("GCNConv");
    expect(didYouMean("GXNConv", ["GCNConv", "GINConv"])).toBe("GCNConv");
  });

  it("accepts any iterable", () => {
    expect(didYouMean("epoch", new Set(["epochs", "select"]))).toBe("epochs");
    expect(didYouMean("epoch", new Map([["epochs", 1]]).keys())).toBe("epochs");
  });
});
