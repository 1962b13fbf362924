/** A small decoupled block on a CSBM graph: trains in seconds on the reference device. */
export function decoupledSource(opts: { schedule?: string; extra?: string; nodes?: number; features?: number; loss?: string; select?: string; report?: string } = {}): string {
  return `
dataset syn = synthetic.csbm(nodes = ${opts.nodes ?? 240}, classes = 3, features = ${opts.features ?? 20}, avg_degree = 6,
                             homophily = 0.85, signal = 1.5, seed = 1)

train sgnn {
  data      = syn
  loss      = ${opts.loss ?? "cross_entropy(mask = train)"}
  optimizer = adam(lr = 0.01)
  schedule  = decoupled(${opts.schedule ?? "modules = [16, 8], k = [1, 2], act = [leaky_relu, linear], passes = 1, max_iter = 4, batch = [all, 32]"})
  select    = ${opts.select ?? "best(val.accuracy)"}
  report    = ${opts.report ?? "[accuracy(val), accuracy(test)]"}
  ${opts.extra ?? ""}
}
`;
}
