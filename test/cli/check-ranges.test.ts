import { describe, expect, it } from "vitest";
import { runCli } from "./harness.js";

/**
 * Every size-like argument has a range checked by `gnnc check`, stated in the message, at the
 * argument, with a hint: nothing runs for minutes or grows past gigabytes before saying so.
 */
interface Parts {
  csbm?: string;
  member?: string;
  stack?: string;
  input?: string;
  hidden?: string;
  keys?: string;
}

function source(p: Parts = {}): string {
  return `dataset syn = synthetic.csbm(${p.csbm ?? "nodes = 200, classes = 4, features = 16"}, avg_degree = 4, seed = 0)
block B(w: int) {
  lin = Linear(w, w)
  forward(h, g) = h + relu(lin(h))
}
model M(in_channels: int, out_channels: int, hidden: int = ${p.hidden ?? "8"}) {
  lin = ${p.member ?? "Linear(in_channels, hidden)"}
  s = ${p.stack ?? "repeat(2) B(hidden)"}
  out = Linear(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return out(s(lin(${p.input ?? "x"}), g))
  }
}
train t {
  data = syn
  model = M(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 2
  ${p.keys ?? ""}
}
`;
}

async function check(text: string) {
  const start = performance.now();
  const r = await runCli(["check", "f.gnn"], { "f.gnn": text });
  return { ...r, ms: performance.now() - start };
}

/** What, the file's parts, the message; and how many errors (a width used by several layers is wrong at each). */
const CASES: [string, Parts, string, number?][] = [
  ["propagate's K", { input: "propagate(x, g, K = 4294967296)" }, "argument `K` of `propagate` must be in [0, 128], found int 4294967296"],
  ["SGConv's K", { member: "SGConv(in_channels, hidden, K = 129)" }, "argument `K` of `SGConv` must be in [1, 128], found int 129"],
  ["GATConv's heads", { member: "GATConv(in_channels, hidden, heads = 65, concat = false)" }, "argument `heads` of `GATConv` must be in [1, 64], found int 65"],
  ["a width", { hidden: "4294967296" }, "argument `out_channels` of `Linear` must be in [1, 16777216], found int 4294967296", 4],
  ["an MLP's widths", { member: "MLP([in_channels, 4294967296, hidden])" }, "every size in the `channel_list` of an MLP must be in [1, 16777216]"],
  ["repeat's n", { stack: "repeat(65537) B(hidden)" }, "argument `n` of `repeat` must be in [1, 65536], found int 65537"],
  ["reversible's groups", { stack: "reversible(groups = 4294967296) repeat(2) B(hidden)" }, "argument `groups` of `reversible` must be in [2, 256], found int 4294967296"],
  ["equilibrium's max_iter", { stack: "equilibrium(max_iter = 4294967296) B(hidden)" }, "argument `max_iter` of `equilibrium` must be in [1, 100000], found int 4294967296"],
  ["csbm's nodes", { csbm: "nodes = 4294967296, classes = 4, features = 16" }, "argument `nodes` of `synthetic.csbm` must be an integer in [1, 16777216], found int 4294967296"],
  ["csbm's features", { csbm: "nodes = 200, classes = 4, features = 4294967296" }, "argument `features` of `synthetic.csbm` must be an integer in [1, 16777216]"],
  ["csbm's classes", { csbm: "nodes = 200, classes = 201, features = 16" }, "argument `classes` of `synthetic.csbm` must be an integer in [1, 200], found int 201"],
  ["csbm's avg_degree", { csbm: "nodes = 200, classes = 4, features = 16, avg_degree = 1e12" }, "argument `avg_degree` of `synthetic.csbm` must be a number in [0, 199]"],
  ["epochs", { keys: "eval_every = 4294967296000" }, "`eval_every` must be in [1, 10000000], found `4294967296000`"],
  ["one parameter's elements", { hidden: "16777216" }, "parameter `s.lin.weight` f32[2,16777216,16777216] has 562949953421312 elements; one tensor holds at most 2147483647", 2],
  ["one input's elements", { csbm: "nodes = 1000000, classes = 4, features = 4096" }, "input `x`, f32[N,4096], has 4096000000 elements; one tensor holds at most 2147483647"],
];

describe("gnnc check: ranges of size-like arguments", () => {
  for (const [what, parts, message, errors = 1] of CASES) {
    it(`${what}: one located error with the limit and a hint, at once`, async () => {
      // csbm's avg_degree is also given by the template: drop its default then.
      const text = source(parts).replace(/(avg_degree = 1e12), avg_degree = 4/, "$1");
      const r = await check(text);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toMatch(/--> f\.gnn:\d+:\d+/);
      expect(r.stderr).toContain("= help: ");
      expect(r.stderr).toMatch(new RegExp(`f\\.gnn: ${errors} errors?(\n|, )`)); // no follow-on errors (a failed dataset is not also "unknown")
      expect(r.ms).toBeLessThan(5_000);
    });
  }

  it("accepts what real models use: a 1001-block reversible stack, a million-node csbm, K = 64", async () => {
    const r = await check(
      source({
        csbm: "nodes = 1000000, classes = 4, features = 16",
        stack: "reversible(groups = 2) repeat(1001) B(hidden / 2)",
        input: "propagate(x, g, K = 64)",
      }).replace("h + relu(lin(h))", "relu(lin(h))"),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("train's flags: a negative or huge number gets the range, not the argument parser's 'ambiguous'", async () => {
    const files = { "f.gnn": source() };
    for (const [flag, value, range] of [
      ["--epochs", "-1", "[1, 10000000]"],
      ["--seed", "-5", "[0, 9007199254740991]"],
      ["--eval-every", "99999999999", "[1, 10000000]"],
      ["--patience", "-0.5", "[1, 10000000]"],
    ]) {
      const r = await runCli(["train", "f.gnn", flag, value], files);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: gnnc train: ${flag} must be an integer in ${range}, got \`${value}\`\n`);
    }
  });
});
