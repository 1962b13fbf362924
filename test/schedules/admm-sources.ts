/** Small ADMM blocks on a CSBM graph: a GA-MLP that trains in seconds on the reference device. */
export function admmSource(opts: { schedule?: string; model?: string; extra?: string; nodes?: number; features?: number; select?: string; layers?: number } = {}): string {
  return `
dataset syn = synthetic.csbm(nodes = ${opts.nodes ?? 240}, classes = 3, features = ${opts.features ?? 20}, avg_degree = 6,
                             homophily = 0.85, signal = 1.5, seed = 1)

block Dense(width: int) {
  lin = Linear(width, width)
  forward(h) = relu(lin(h))
}

model GAMLP(in_channels: int, out_channels: int, hidden: int = 8, layers: int = ${opts.layers ?? 4}, K: int = 2) {
  lin_in  = AugmentedLinear(in_channels, hidden, K = K)
  body    = repeat(layers - 2) Dense(hidden)
  lin_out = Linear(hidden, out_channels)

  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = relu(lin_in(x, g))
    h = body(h)
    return lin_out(h)
  }
}

train admm_run {
  data      = syn
  model     = ${opts.model ?? "GAMLP(syn.num_features, syn.num_classes)"}
  loss      = cross_entropy(mask = train)
  schedule  = admm(${opts.schedule ?? "layers = [2, 4], iterations = [5, 5], rho = 1e-3, nu = 1e-3"})
  select    = ${opts.select ?? "best(val.accuracy)"}
  report    = [accuracy(val), accuracy(test)]
  ${opts.extra ?? ""}
}
`;
}
