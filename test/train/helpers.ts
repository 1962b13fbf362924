import { compile } from "../../compiler/index.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import type { Module } from "../../compiler/ir/types.js";

/** A small two-layer GCN on a CSBM graph: trains in well under a second on the reference device. */
export function gcnSource(opts: { optimizer?: string; epochs?: number; extra?: string; nodes?: number; layer?: "GCNConv" | "Linear" } = {}): string {
  const layer = opts.layer ?? "GCNConv";
  const g = layer === "GCNConv" ? ", g" : "";
  return `
dataset syn = synthetic.csbm(nodes = ${opts.nodes ?? 300}, classes = 3, features = 24, avg_degree = 6,
                             homophily = 0.85, signal = 1.5, seed = 1)

model GCN(in_channels: int, out_channels: int, hidden: int = 16, p: float = 0.5) {
  conv1 = ${layer}(in_channels, hidden)
  conv2 = ${layer}(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = relu(conv1(dropout(x, p)${g}))
    return conv2(dropout(h, p)${g})
  }
}

train small {
  data      = syn
  model     = GCN(syn.num_features, syn.num_classes)
  loss      = cross_entropy(mask = train)
  optimizer = ${opts.optimizer ?? "adam(lr = 0.01)"}
  epochs    = ${opts.epochs ?? 40}
  select    = best(val.accuracy)
  report    = [accuracy(val), accuracy(test)]
  ${opts.extra ?? ""}
}
`;
}

/** Compile a source with one train block; throws with the diagnostics on error. */
export function compileTrain(source: string, file = "small.gnn"): { spec: TrainSpec; module: Module } {
  const r = compile(source, { file });
  if (!r.program) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const spec = r.program.trains[0];
  return { spec, module: r.program.modules.find((m) => m.name === spec.module)! };
}
