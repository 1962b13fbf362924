import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import type { TensorType } from "../ir/types.js";
import { AUTODIFF_CODES } from "./codes.js";

/** A parameter autodiff may differentiate with respect to. */
export interface Candidate {
  readonly name: string;
  readonly type: TensorType;
}

/** `*` selects every candidate. */
export const ALL_PARAMS = "*";

/**
 * Resolve `wrt` entries to candidate names, in the candidates' order. An entry is a full name or a
 * dotted prefix: `conv1` selects `conv1.lin.weight` and `conv1.bias`, never `conv10.bias`.
 */
export function selectParams(
  wrt: readonly string[],
  candidates: readonly Candidate[],
  lossName: string,
  span: Span,
): { selected: Set<string>; diagnostics: Diagnostic[] } {
  const selected = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const entry of wrt) {
    const hits = candidates.filter((c) => entry === ALL_PARAMS || c.name === entry || c.name.startsWith(`${entry}.`));
    for (const c of hits) selected.add(c.name);
    if (hits.length === 0) diagnostics.push(nothingSelected(entry, candidates, lossName, span));
  }
  return { selected, diagnostics };
}

function nothingSelected(entry: string, candidates: readonly Candidate[], lossName: string, span: Span): Diagnostic {
  // Suggest among full names and every dotted prefix of them, since both are valid entries.
  const prefixes = new Set<string>();
  for (const c of candidates) {
    const parts = c.name.split(".");
    for (let k = 1; k <= parts.length; k++) prefixes.add(parts.slice(0, k).join("."));
  }
  const guess = didYouMean(entry, prefixes);
  const help = guess
    ? `did you mean \`${guess}\`?`
    : candidates.length
      ? `trainable parameters: ${candidates.map((c) => c.name).join(", ")}`
      : "the function has no trainable parameters";
  return error(
    AUTODIFF_CODES.wrtSelectsNothing.code,
    `\`${entry}\` (in the parameters of loss \`${lossName}\`) selects no trainable parameter`,
    span,
    { help },
  );
}
