import { dirname, resolve } from "node:path";
import { checkWritable, loadCheckpoint, writeFileAtomic } from "../../runtime/checkpoint/index.js";
import { predictWithCheckpoint, type Predictions } from "../../runtime/train/predict.js";
import { argmaxRows, predictionsCsv } from "../../runtime/report/index.js";
import { accuracy } from "../../runtime/train/metrics.js";
import { parseCommandArgs } from "../args.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";
import { dataDirs } from "../load.js";
import { loadTrainTarget, reportRunError } from "./training.js";

export const predictHelp = `gnnc predict FILE --params PATH [--run NAME] [--data-dir DIR] [--out PATH]

Predict every node of a train block's dataset with its model and a checkpoint's parameters
(the model in eval mode on the reference interpreter, as training evaluates it).

  --params PATH     a safetensors checkpoint: one from \`gnnc train --save\`, or any file whose
                    tensors have the model's parameter names and shapes (optimizer state is ignored)
  --run NAME        the train block whose model and dataset to use (needed when FILE has several)
  --data-dir DIR    where load("name") finds datasets (default: $GNNC_DATA_DIR, then ./data)
  --out PATH        write a CSV (written atomically): node,prediction,p_0,…,p_{C-1}, the
                    predicted class and the softmax probabilities (6 significant digits).
                    Node ids are the dataset's after its transforms.

Prints a summary: the accuracy on each labelled split and how many nodes each class got.`;

function summary(run: string, p: Predictions, source: string, epoch: number | undefined): string {
  const [nodes, classes] = p.output.shape;
  const from = epoch === undefined ? source : `${source} (epoch ${epoch})`;
  const lines = [`${run}: predicted ${nodes} nodes, ${classes} classes, with ${from}`];
  const scored = Object.entries(p.splits).map(([split, ids]) => `${split} ${accuracy(p.output, p.labels, ids).toFixed(4)}`);
  if (scored.length) lines.push(`  accuracy: ${scored.join(", ")}`);
  const counts = new Array<number>(classes).fill(0);
  for (const c of argmaxRows(p.output)) counts[c]++;
  lines.push(`  nodes per predicted class: ${counts.map((n, c) => `${c}: ${n}`).join(", ")}`);
  return lines.join("\n") + "\n";
}

export function predict(io: Io, argv: string[]): number {
  const { values, positionals } = parseCommandArgs("predict", argv, {
    params: { type: "string" },
    run: { type: "string" },
    "data-dir": { type: "string" },
    out: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("gnnc predict: expected exactly one FILE");
  const paramsPath = values.params as string | undefined;
  if (paramsPath === undefined) throw new UsageError("gnnc predict: --params PATH is required (a checkpoint from `gnnc train --save`)");
  const out = values.out as string | undefined;

  const file = positionals[0];
  const dirs = dataDirs(io, values["data-dir"] as string | undefined);
  const target = loadTrainTarget(io, "predict", file, dirs, values.run as string | undefined);
  if (!target) return EXIT_ERRORS;

  let predictions: Predictions;
  let epoch: number | undefined;
  try {
    if (out !== undefined) checkWritable(out); // before the work, as train does
    const ckpt = loadCheckpoint(paramsPath);
    epoch = ckpt.info?.epoch;
    predictions = predictWithCheckpoint(target.spec, target.module, ckpt, { dataDir: dirs, env: io.env, baseDir: dirname(resolve(file)) });
  } catch (e) {
    return reportRunError(io, e, "predicting");
  }
  if (predictions.output.shape.length !== 2) {
    io.err(`error: the model of \`${target.spec.name}\` returns shape [${predictions.output.shape.join(", ")}]; gnnc predict needs one row of class scores per node ([N, C])\n`);
    return EXIT_ERRORS;
  }
  io.out(summary(target.spec.name, predictions, paramsPath, epoch));
  if (out === undefined) {
    io.out("  (write the per-node predictions with --out PATH)\n");
    return EXIT_OK;
  }
  try {
    writeFileAtomic(out, predictionsCsv(predictions.output));
  } catch (e) {
    return reportRunError(io, e, "writing");
  }
  io.out(`  wrote ${out}\n`);
  return EXIT_OK;
}
