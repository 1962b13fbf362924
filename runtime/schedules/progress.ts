/** Progress of a schedule run for a terminal: phase, part (module) and step, as the run goes. */

export interface ScheduleProgress {
  /** 1-based phase position and the plan's phase count. */
  phase: number;
  phases: number;
  label: string;
  /** The part just trained (`module 2`) and its last step's loss; absent at a phase's end. */
  part?: string;
  steps?: number;
  loss?: number;
  /** At a phase's end: its time, and the selection metric when it evaluated. */
  phaseMs?: number;
  metric?: { name: string; value: number };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

export function formatScheduleProgress(p: ScheduleProgress): string {
  const parts = [`phase ${String(p.phase).padStart(String(p.phases).length)}/${p.phases}`, p.label];
  if (p.part !== undefined) parts.push(p.part, `step ${p.steps}/${p.steps}`, `loss ${fmt(p.loss!)}`);
  if (p.phaseMs !== undefined) parts.push(`${(p.phaseMs / 1000).toFixed(2)} s`);
  if (p.metric) parts.push(`${p.metric.name} ${fmt(p.metric.value)}`);
  return parts.join("  ");
}

/** One updating line on a TTY; otherwise a line at the end of each phase. */
export function scheduleProgressPrinter(mode: "tty" | "lines" | "quiet", write: (text: string) => void): { progress(p: ScheduleProgress): void; done(): void } {
  let drawn = false;
  return {
    progress(p) {
      const line = formatScheduleProgress(p);
      if (mode === "tty") {
        write(`\r${line}\x1b[K`);
        drawn = true;
      } else if (mode === "lines" && p.phaseMs !== undefined) {
        write(line + "\n");
      }
    },
    done() {
      if (drawn) write("\n");
      drawn = false;
    },
  };
}
