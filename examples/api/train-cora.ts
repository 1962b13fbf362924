// Train a .gnn model from TypeScript with the library API: compile, train on the GPU (or the
// reference device without an adapter), report, save the selected epoch and predict with it.
//
//   npm run build && npx tsc -p examples/api
//   GNNC_DATA_DIR=../shared/data node examples/api/build/train-cora.js examples/cora-gcn.gnn
//   node examples/api/build/train-cora.js examples/quickstart.gnn      # synthetic data, no downloads
import { pathToFileURL } from "node:url";
import { compileFile, formatDiagnostics, predict, saveCheckpoint, train, type EpochProgress } from "gnnc";

export interface Summary {
  device: string;
  selectedEpoch: number;
  valAccuracy: number;
  testAccuracy: number;
  /** Test accuracy recomputed from `predict` with the saved checkpoint: equals testAccuracy. */
  predictedTestAccuracy: number;
}

export async function main(file: string, checkpoint: string, log: (line: string) => void = console.log): Promise<Summary> {
  const { program, diagnostics } = compileFile(file);
  if (!program) throw new Error(formatDiagnostics(diagnostics));
  const progress = (p: EpochProgress) => {
    if (p.epoch % 50 === 0) log(`epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toFixed(4)}${p.metric ? `  ${p.metric.name} ${p.metric.value.toFixed(4)}` : ""}`);
  };
  const { result, state } = await train(program, { seed: 0, onEpoch: progress });
  log(`${result.run} on ${result.device}: selected epoch ${result.selected_epoch}, test accuracy ${result.metrics.test_accuracy.toFixed(4)}`);

  saveCheckpoint(checkpoint, state, {
    run: result.run,
    module: program.trains[0].module,
    dataset: result.dataset,
    epoch: result.selected_epoch,
    seed: result.seed,
    metrics: result.metrics,
  });

  // Predictions from the checkpoint, scored here: the test split's accuracy, by hand.
  const p = predict(program, { params: checkpoint });
  const classes = p.output.shape[1];
  let correct = 0;
  for (const node of p.splits.test) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (p.output.data[node * classes + c] > p.output.data[node * classes + best]) best = c;
    if (best === p.labels[node]) correct++;
  }
  return {
    device: result.device,
    selectedEpoch: result.selected_epoch,
    valAccuracy: result.metrics.val_accuracy,
    testAccuracy: result.metrics.test_accuracy,
    predictedTestAccuracy: correct / p.splits.test.length,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const summary = await main(process.argv[2] ?? "examples/quickstart.gnn", process.argv[3] ?? "api-example.safetensors");
  console.log(JSON.stringify(summary));
}
