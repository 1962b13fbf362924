import { EXIT_OK, UsageError, type Io } from "../io.js";
import { checkHelp } from "./check.js";
import { compileHelp } from "./compile.js";
import { flopsHelp } from "./flops.js";
import { dataHelp } from "./data.js";
import { infoHelp } from "./info.js";
import { irHelp } from "./ir.js";
import { passesHelp } from "./passes.js";
import { predictHelp } from "./predict.js";
import { profileHelp } from "./profile.js";
import { trainHelp } from "./train.js";

export const mainHelp = `gnnc — a compiler for graph neural network training

Usage: gnnc COMMAND [OPTIONS]

Commands:
  check FILE...     parse and type-check .gnn files
  ir FILE           print the typed IR (optionally after passes)
  passes            list the built-in IR passes
  train FILE        train a train block's model and report its metrics
  compile FILE      write a train block's GPU kernels, lowered IR and memory plan (--out DIR)
  flops FILE        count a train block's training FLOPs per function and per op
  profile FILE      time every kernel of a few training epochs on the GPU: where an epoch goes
  predict FILE      predict every node with a trained checkpoint (--params)
  info              show the GPU adapter, its limits, versions and the datasets found
  data get NAME     download a dataset (Planetoid, Amazon/Coauthor, OGB) and convert it
  help [COMMAND]    show help for a command

Exit codes: 0 success, 1 the input has errors, 2 usage error.
Run 'gnnc help COMMAND' for a command's options.`;

export const commandHelp: Record<string, string> = {
  check: checkHelp,
  ir: irHelp,
  passes: passesHelp,
  train: trainHelp,
  compile: compileHelp,
  flops: flopsHelp,
  profile: profileHelp,
  predict: predictHelp,
  info: infoHelp,
  data: dataHelp,
  help: "gnnc help [COMMAND]\n\nShow the overview, or the help of one command.",
};

export function help(io: Io, argv: string[]): number {
  if (argv.length === 0) {
    io.out(mainHelp + "\n");
    return EXIT_OK;
  }
  const text = commandHelp[argv[0]];
  if (!text) throw new UsageError(`gnnc help: unknown command \`${argv[0]}\` (commands: ${Object.keys(commandHelp).join(", ")})`);
  io.out(text + "\n");
  return EXIT_OK;
}
