import type { SelectSpec } from "../../compiler/train/spec.js";
import { metricKey, type Metrics } from "./metrics-keys.js";

/** The evaluation chosen so far: the epoch whose state a run reports (and `--save` writes). */
export interface Selected {
  epoch: number;
  metrics: Metrics;
}

/**
 * Selection as papers do it: the evaluation with the best validation metric (`select =
 * best(val.accuracy)`), or the last (`select = last`); and early stopping after `patience`
 * evaluations in a row without a better one.
 */
export class Selection {
  /** The metric watched (`val_accuracy`), absent for `select = last`. */
  readonly metric?: string;
  private best = -Infinity;
  private sinceBest = 0;
  private chosen?: Selected;

  constructor(
    select: SelectSpec,
    private readonly patience?: number,
    /** A resumed run's selection: it stands until a later evaluation beats it. */
    resumed?: Selected,
  ) {
    this.metric = select.kind === "best" ? metricKey(select.split, select.metric) : undefined;
    this.chosen = resumed;
    const b = this.metric === undefined ? undefined : resumed?.metrics[this.metric];
    if (b !== undefined && !Number.isNaN(b)) this.best = b;
  }

  get selected(): Selected | undefined {
    return this.chosen;
  }

  /** Offer an evaluation: whether it becomes the selection, and whether the run should stop. */
  offer(epoch: number, metrics: Metrics): { chosen: boolean; stop: boolean } {
    if (this.metric === undefined || metrics[this.metric] > this.best) {
      if (this.metric !== undefined) this.best = metrics[this.metric];
      this.chosen = { epoch, metrics };
      this.sinceBest = 0;
      return { chosen: true, stop: false };
    }
    // A NaN metric never beats anything: keep the first evaluation so there is something to report.
    const first = this.chosen === undefined;
    if (first) this.chosen = { epoch, metrics };
    this.sinceBest++;
    return { chosen: first, stop: this.patience !== undefined && this.sinceBest >= this.patience };
  }
}
