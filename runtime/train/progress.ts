/** Progress of a training run for a terminal: one updating line on a TTY, plain lines otherwise. */

export interface EpochProgress {
  /** 1-based epoch just finished. */
  epoch: number;
  epochs: number;
  loss: number;
  /** The selection metric's latest value and its name (`val_accuracy`), when one was evaluated. */
  metric?: { name: string; value: number };
  epochMs: number;
}

export type ProgressMode = "tty" | "lines" | "quiet";

/** Plain lines are printed every this many epochs (and at the last). */
export const LINE_EVERY = 10;

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

function eta(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export function formatProgress(p: EpochProgress, meanEpochMs: number): string {
  const width = String(p.epochs).length;
  const parts = [`epoch ${String(p.epoch).padStart(width)}/${p.epochs}`, `loss ${fmt(p.loss, 4)}`];
  if (p.metric) parts.push(`${p.metric.name} ${fmt(p.metric.value, 4)}`);
  parts.push(`${fmt(p.epochMs, 1)} ms/epoch`, `ETA ${eta(meanEpochMs * (p.epochs - p.epoch))}`);
  return parts.join("  ");
}

/**
 * A progress printer. On a TTY it rewrites one line (carriage return, clear to end of line) and
 * ends it when `done` is called; otherwise it prints a line every LINE_EVERY epochs.
 */
export function progressPrinter(mode: ProgressMode, write: (text: string) => void): { epoch(p: EpochProgress): void; done(): void } {
  let totalMs = 0;
  let drawn = false;
  return {
    epoch(p) {
      totalMs += p.epochMs;
      const line = formatProgress(p, totalMs / p.epoch);
      if (mode === "tty") {
        write(`\r${line}\x1b[K`);
        drawn = true;
      } else if (mode === "lines" && (p.epoch % LINE_EVERY === 0 || p.epoch === p.epochs)) {
        write(line + "\n");
      }
    },
    done() {
      if (drawn) write("\n");
      drawn = false;
    },
  };
}
