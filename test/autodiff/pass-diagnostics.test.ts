import { describe, expect, it } from "vitest";
import { differentiate, parseLossesOption } from "../../compiler/autodiff/index.js";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { registerOps } from "../../compiler/ir/ops/index.js";
import type { OpSpec } from "../../compiler/ir/spec.js";
import type { Func } from "../../compiler/ir/types.js";
import { placeholderSpan, type Span } from "../../grammar/span.js";
import { compileModule, funcOf, gradOk, weightedSumLoss } from "./helpers.js";
import { f32 } from "../support/tensors.js";
const SPAN = placeholderSpan("test.gnn");

// A differentiable-looking op with no gradient rule, registered for this file only.
const noRule: OpSpec = {
  name: "test.no_rule",
  summary: "identity without a vjp",
  arity: 1,
  attrs: {},
  pure: true,
  infer: (inputs) => inputs[0],
  interpret: (inputs) => inputs[0],
  cost: () => ({ flops: 0, bytes: 0 }),
};
registerOps([noRule]);

const at = (line: number, column: number): Span => ({ file: "m.gnn", start: { offset: 0, line, column }, end: { offset: 1, line, column: column + 1 } });

/** loss = sum(test.no_rule(w) · u) with the unruly op at m.gnn:7:3. */
function unruly(): Func {
  const b = new FuncBuilder("f");
  const w = b.leaf("s.param", f32(3), { name: "w" });
  const u = b.leaf("s.param", f32(3), { name: "u" });
  const odd = b.emit("test.no_rule", [w], {}, at(7, 3));
  const loss = b.emit("t.sum", [b.emit("t.mul", [odd, u])], { axes: [0] });
  return b.finish([odd, loss], ["odd", "loss"]);
}

function diagnostics(r: Func | ReturnType<typeof differentiate>) {
  expect(Array.isArray(r), "differentiate should fail").toBe(true);
  return r as Exclude<typeof r, Func>;
}

describe("autodiff diagnostics", () => {
  it("an op without a gradient rule on a gradient path names the op and its .gnn location", () => {
    const [d, ...rest] = diagnostics(differentiate(unruly(), { losses: [{ result: "loss", wrt: ["w"] }], span: SPAN }));
    expect(rest).toEqual([]);
    expect(d.code).toBe("E633");
    expect(d.message).toContain("`test.no_rule`");
    expect(d.message).toContain("m.gnn:7:3");
    expect(d.span.start.line).toBe(7);
  });

  it("the same op off the gradient path is fine (its parameter is not selected)", () => {
    const g = differentiate(unruly(), { losses: [{ result: "loss", wrt: ["u"] }] });
    expect(Array.isArray(g) ? g.map((d) => d.message) : g.resultNames).toEqual(["odd", "loss", "grad.u"]);
  });

  it("a repeat stack nested in a stack is reported plainly, not differentiated wrongly", () => {
    const m = compileModule(`block Step(width: int) {
  lin = Linear(width, width)
  forward(h) = relu(lin(h))
}
block Pair(width: int) {
  inner = repeat(2) Step(width)
  forward(h) = inner(h)
}
model Net(in_channels: int = 3) {
  stack = repeat(3) Pair(in_channels)
  head = Linear(in_channels, 2)
  forward(x: f32[N, in_channels], g: graph[N]) = head(stack(x))
}`);
    const lossFunc = weightedSumLoss(funcOf(m, "forward"));
    const ds = diagnostics(differentiate(lossFunc, { losses: [{ result: "loss", wrt: ["*"] }], params: m.params }));
    expect(ds.map((d) => d.code)).toEqual(["E634"]);
    expect(ds[0].message).toMatch(/repeat stack at .* is nested inside another stack/);
    expect(ds[0].span.start.line).toBe(7);
    // Parameters after the stack do not need gradients through it.
    const head = gradOk(lossFunc, [{ result: "loss", wrt: ["head"] }], m);
    expect(head.resultNames.slice(2)).toEqual(["grad.head.weight", "grad.head.bias"]);
  });

  it("a loss must be a scalar f32[]; the message names the result and its type", () => {
    const ds = diagnostics(differentiate(unruly(), { losses: [{ result: "odd", wrt: ["u"] }] }));
    expect(ds.map((d) => d.code)).toEqual(["E631"]);
    expect(ds[0].message).toBe("loss `odd` must be a scalar f32[], but it is f32[3]");
  });

  it("an unknown loss result gets a did-you-mean", () => {
    const [d] = diagnostics(differentiate(unruly(), { losses: [{ result: "los", wrt: ["u"] }] }));
    expect(d.code).toBe("E630");
    expect(d.help).toBe("did you mean `loss`?");
  });

  it("a wrt entry that selects nothing is reported, with the parameters or a guess", () => {
    const m = compileModule(`model Net(in_channels: int = 3) {
  conv1 = Linear(in_channels, 2)
  bn = BatchNorm(2)
  forward(x: f32[N, in_channels], g: graph[N]) = bn(conv1(x))
}`);
    const lossFunc = weightedSumLoss(funcOf(m, "forward"));
    const ds = diagnostics(
      differentiate(lossFunc, { losses: [{ result: "loss", wrt: ["conv", "bn.module.running_mean"] }], params: m.params }),
    );
    expect(ds.map((d) => d.code)).toEqual(["E632", "E632"]);
    expect(ds[0].help).toBe("did you mean `conv1`?");
    expect(ds[1].message).toContain("`bn.module.running_mean`"); // a buffer is not trainable
  });

  it("reports every problem at once", () => {
    const ds = diagnostics(
      differentiate(unruly(), {
        losses: [
          { result: "loss", wrt: ["w", "nope"] },
          { result: "odd", wrt: ["u"] },
        ],
      }),
    );
    expect(ds.map((d) => d.code).sort()).toEqual(["E631", "E632", "E633"]);
  });
});

describe("the losses option", () => {
  it("reads results and their parameter lists", () => {
    expect(parseLossesOption("loss:conv1,conv2;aux:head", SPAN)).toEqual({
      losses: [
        { result: "loss", wrt: ["conv1", "conv2"] },
        { result: "aux", wrt: ["head"] },
      ],
      diagnostics: [],
    });
    expect(parseLossesOption(" loss : * ; ", SPAN).losses).toEqual([{ result: "loss", wrt: ["*"] }]);
  });

  it("reports every malformed part", () => {
    const { diagnostics: ds } = parseLossesOption("loss;:a;aux:b,,c;aux:d", SPAN);
    expect(ds.map((d) => d.code)).toEqual(["E635", "E635", "E635"]);
    expect(ds.map((d) => d.message)).toEqual([
      "`loss` in `losses` gives no parameters after `:`",
      "`:a` in `losses` names no result before `:`",
      "`aux:b,,c` in `losses` has an empty parameter name",
    ]);
    expect(parseLossesOption("x:a;x:b", SPAN).diagnostics[0].message).toBe("loss `x` is listed twice in `losses`");
    expect(parseLossesOption("  ", SPAN).diagnostics[0].message).toBe("`losses` names no loss");
  });
});
