import type { CompiledProgram } from "../../compiler/index.js";
import { printModule } from "../../compiler/ir/print.js";
import type { Module } from "../../compiler/ir/types.js";

/**
 * Sources for the `to_reversible` pass tests: the same model written as a residual stack plus the
 * pass, and as the reversible stack a user would write by hand.
 */

export interface StackModel {
  /** Block body: members and a forward whose result may be `h + F` (residual) or F (hand-written). */
  block: string;
  /** Model member defining the stack, e.g. `repeat(3) ResBlock(16)`. */
  stack: string;
  /** `passes = [...]` entry, if any. */
  passes?: string;
  /** Model width (the carried value's channels). */
  hidden?: number;
}

export function stackSource(m: StackModel): string {
  const hidden = m.hidden ?? 16;
  return `
dataset syn = synthetic.csbm(nodes = 60, classes = 3, features = 10, avg_degree = 4, homophily = 0.8, signal = 1.5, seed = 2)
${m.block}
model Net(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, ${hidden})
  stack = ${m.stack}
  lin_out = Linear(${hidden}, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = lin_in(dropout(x, 0.2))
    return lin_out(relu(stack(h, g, dropout_mask(h, 0.2))))
  }
}
train t {
  data = syn
  model = Net(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 3
  ${m.passes ? `passes = [${m.passes}]` : ""}
}`;
}

/** A pre-activation block around `conv`, residual (`h + F`) or not (F alone). */
export function preActBlock(name: string, conv: "SAGEConv" | "GCNConv", residual: boolean): string {
  const f = "conv(relu(norm(h)) * m, g)";
  return `block ${name}(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = ${conv}(width, width)
  forward(h, g, m) = ${residual ? `h + ${f}` : f}
}`;
}

/** The printed IR without `# file:line:col` locations: the two sources differ only in where things are written. */
export function irWithoutSpans(m: Module): string {
  return printModule(m)
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, ""))
    .join("\n");
}

export function onlyTrainModule(p: CompiledProgram): Module {
  return p.modules.find((m) => m.name === p.trains[0].module)!;
}

/** Elements of every trainable parameter. */
export function parameterCount(m: Module): number {
  return m.params.filter((p) => p.trainable).reduce((n, p) => n + p.type.shape.reduce<number>((k, d) => k * (d as number), 1), 0);
}
