import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { evalDim } from "../ir/dims.js";
import type { Func, Module } from "../ir/types.js";
import type { TrainSpec } from "./spec.js";

export interface ClassCountSite {
  /** The dataset's name in the `.gnn` file. */
  dataset: string;
  /** The `model = …` call, where the output width is chosen. */
  modelSpan: Span;
  modelName: string;
}

/**
 * The model's output width against the dataset's class count, once both are known (at check time
 * from metadata, else when the data is loaded). Fewer outputs than classes cannot train: some label
 * has no score (an error). More trains, but the extra scores are never a label (a warning).
 */
export function classCountProblems(width: number, classes: number, site: ClassCountSite): Diagnostic[] {
  if (width === classes) return [];
  const scores = `${width} class score${width === 1 ? "" : "s"}`;
  const help = `make the model's last layer ${classes} wide, e.g. \`${site.modelName}(…, ${site.dataset}.num_classes)\``;
  if (width < classes) {
    const missing = width === classes - 1 ? `label ${width} has` : `labels ${width}–${classes - 1} have`;
    return [
      {
        code: "E517",
        severity: "error",
        message: `the model outputs ${scores} per node, but dataset \`${site.dataset}\` has ${classes} classes: ${missing} no score`,
        span: site.modelSpan,
        help,
      },
    ];
  }
  return [
    {
      code: "W204",
      severity: "warning",
      message: `the model outputs ${scores} per node, but dataset \`${site.dataset}\` has ${classes} classes: ${width - classes} of the scores are never a label`,
      span: site.modelSpan,
      help,
    },
  ];
}

/** The width of a function's predictions f32[N, C] (its first result), when known. */
export function outputWidth(func: Func, symbols: Readonly<Record<string, number>>): number | undefined {
  const out = func.body.find((n) => n.id === func.results[0])?.type;
  if (out?.kind !== "tensor" || out.shape.length !== 2) return undefined;
  return evalDim(out.shape[1], symbols);
}

/** classCountProblems for a train block's module (its `forward`), given every size. */
export function trainClassCount(spec: TrainSpec, module: Module, symbols: Readonly<Record<string, number>>, classes: number): Diagnostic[] {
  const forward = module.funcs.find((f) => f.name === "forward");
  const width = forward && outputWidth(forward, symbols);
  if (width === undefined) return [];
  return classCountProblems(width, classes, { dataset: spec.data.name, modelSpan: spec.model?.span ?? spec.span, modelName: spec.model?.name ?? spec.name });
}
