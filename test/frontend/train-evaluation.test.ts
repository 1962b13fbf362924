import { describe, expect, it } from "vitest";
import { compileErr, compileOk } from "./helpers.js";

/** A train block on a synthetic graph with the given extra entries (`select` is left to the caller). */
function block(entries: string): string {
  return `dataset syn = synthetic.csbm(nodes = 60, classes = 3, features = 8)
model Net(in_channels: int, out_channels: int) {
  lin = Linear(in_channels, out_channels)
  forward(x: f32[N, in_channels]) = lin(x)
}
train t {
  data      = syn
  model     = Net(syn.num_features, syn.num_classes)
  loss      = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs    = 50
${entries}
}`;
}

describe("train-block keys eval_every and patience", () => {
  it("are optional and become evalEvery / patience in the spec", () => {
    const [spec] = compileOk(block("  select = best(val.accuracy)\n  eval_every = 5\n  patience = 3")).trains;
    expect(spec.evalEvery).toBe(5);
    expect(spec.patience).toBe(3);
    const [plain] = compileOk(block("")).trains;
    expect(plain.evalEvery).toBeUndefined();
    expect(plain.patience).toBeUndefined();
  });

  it("accept eval_every without select, evaluating the last epoch's model", () => {
    const [spec] = compileOk(block("  eval_every = 10")).trains;
    expect(spec).toMatchObject({ evalEvery: 10, select: { kind: "last" } });
  });

  it("must be whole numbers of at least 1", () => {
    const diags = compileErr(block("  select = best(val.accuracy)\n  eval_every = 0\n  patience = 2.5"));
    expect(diags.map((d) => [d.code, d.message])).toEqual([
      ["E512", "`eval_every` must be a positive whole number, found `0`"],
      ["E512", "`patience` must be a positive whole number, found `2.5`"],
    ]);
    expect(diags[0].span.start).toMatchObject({ line: 13, column: 16 });
  });

  it("reject patience without select = best(…), pointing at the entry", () => {
    const [d] = compileErr(block("  patience = 10"));
    expect(d).toMatchObject({ code: "E515", severity: "error", help: "add `select = best(val.accuracy)`, or remove `patience`" });
    expect(d.message).toContain("`patience` needs `select = best(split.metric)`");
    // The span covers `patience = 10`.
    expect([d.span.start.line, d.span.start.column, d.span.end.column]).toEqual([12, 3, 16]);
    expect(d.labels).toBeUndefined();
  });

  it("reject patience with select = last, labelling the select", () => {
    const [d, ...rest] = compileErr(block("  select = last\n  patience = 10"));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: "E515", help: "write `select = best(val.accuracy)`, or remove `patience`" });
    expect(d.labels).toHaveLength(1);
    expect(d.labels![0].span.start).toMatchObject({ line: 12, column: 12 });
  });

  it("report a malformed select once, not again as a patience problem", () => {
    const diags = compileErr(block("  select = bestest(val.accuracy)\n  patience = 10"));
    expect(diags.map((d) => d.code)).toEqual(["E510"]);
  });
});
