// count-ops: a histogram of the ops of every function, as a table in the log; changes nothing.
// It runs on the lowered training functions, so the table shows what one training step executes
// (train_step) beside the evaluation (predict). Nodes inside stacks count once, not per block.
//
//   passes = [pass("./passes/count-ops.ts")]             in a train block
//   gnnc ir model.gnn --passes ./examples/passes/count-ops.ts
import type { Pass } from "gnnc/passes";
import { nodesById, type Func } from "gnnc/ir";

function histogram(f: Func): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of nodesById(f).values()) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
  return counts;
}

const countOps: Pass = {
  name: "count-ops",
  description: "log a table of how many nodes of each op every function has (nested bodies counted once); changes nothing",
  options: {},
  stage: "training",
  run(module, ctx) {
    const funcs = module.funcs.map((f) => ({ name: f.name, counts: histogram(f) }));
    const ops = [...new Set(funcs.flatMap((f) => [...f.counts.keys()]))];
    const total = (op: string) => funcs.reduce((n, f) => n + (f.counts.get(op) ?? 0), 0);
    ops.sort((a, b) => total(b) - total(a) || a.localeCompare(b));
    const width = Math.max(2, ...ops.map((op) => op.length));
    const columns = funcs.map((f) => Math.max(f.name.length, 5));
    const row = (first: string, cells: string[]) => [first.padEnd(width), ...cells.map((c, k) => c.padStart(columns[k]))].join("  ");
    const lines = [
      `count-ops: ${module.name}`,
      row("op", funcs.map((f) => f.name)),
      ...ops.map((op) => row(op, funcs.map((f) => String(f.counts.get(op) ?? 0)))),
      row("total", funcs.map((f) => String([...f.counts.values()].reduce((a, b) => a + b, 0)))),
    ];
    ctx.log(lines.join("\n"));
    return { module, changed: false, diagnostics: [] };
  },
};

export default countOps;
