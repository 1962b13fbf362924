import { printModule } from "../ir/print.js";
import type { Module } from "../ir/types.js";
import type { InputSource, PlanStep, ScheduleProgram } from "./program.js";

/**
 * A schedule program as text (`gnnc ir`): the plan, phase by phase, then the module its
 * functions and state live in (the IR printer's form). Deterministic, diff-friendly.
 */

function source(name: string, s: InputSource): string {
  switch (s.from) {
    case "batch":
      return `batch(${s.rows}, ${s.size})${s.symbol === name ? "" : ` as ${s.symbol}`}`;
    case "step":
      return `step(${s.counter})`;
    case "value":
      return String(s.value);
    case "key":
      return "key()";
  }
}

function step(s: PlanStep): string {
  if (s.kind === "reset") {
    const parts = [
      ...(s.zeros.length ? [`zeros ${s.zeros.join(", ")}`] : []),
      ...(s.identity.length ? [`identity ${s.identity.join(", ")}`] : []),
      ...(s.counters.length ? [`counters ${s.counters.join(", ")}`] : []),
    ];
    return `reset ${parts.join("; ")}`;
  }
  const inputs = Object.entries(s.inputs).map(([name, src]) => `${name} = ${source(name, src)}`);
  const times = s.times > 1 ? ` ×${s.times}` : "";
  return `run ${s.func}${times}${inputs.length ? `(${inputs.join(", ")})` : ""}${s.log ? ` log ${s.log}` : ""}`;
}

export function printScheduleProgram(program: ScheduleProgram, module: Module): string {
  const lines = [`schedule ${program.summary}`, `transient ${program.transient.join(", ")}`];
  for (const phase of program.phases) {
    lines.push(`phase ${phase.name} "${phase.label}"${phase.evaluate ? " then evaluate" : ""}`);
    for (const s of phase.steps) lines.push(`  ${step(s)}`);
  }
  return `${lines.join("\n")}\n\n${printModule(module)}`;
}
