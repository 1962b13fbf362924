import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { AUTODIFF_CODES } from "./codes.js";
import type { LossSpec } from "./differentiate.js";

const FORM = 'write `loss:conv1,conv2;aux:head` (a result, `:`, the parameters it trains; `;` between losses), or `loss:*`';

/**
 * Read the autodiff pass's `losses` option: `result:wrt,wrt;result:wrt`. Every malformed part is
 * reported, not just the first.
 */
export function parseLossesOption(text: string, span: Span): { losses: LossSpec[]; diagnostics: Diagnostic[] } {
  const losses: LossSpec[] = [];
  const diagnostics: Diagnostic[] = [];
  const bad = (message: string) => diagnostics.push(error(AUTODIFF_CODES.badLossesOption.code, message, span, { help: FORM }));
  const parts = text.split(";").map((p) => p.trim());
  if (parts.every((p) => p === "")) bad("`losses` names no loss");
  for (const part of parts) {
    if (part === "") continue;
    const colon = part.indexOf(":");
    if (colon < 0) {
      bad(`\`${part}\` in \`losses\` gives no parameters after \`:\``);
      continue;
    }
    const result = part.slice(0, colon).trim();
    const wrt = part
      .slice(colon + 1)
      .split(",")
      .map((w) => w.trim());
    if (result === "") bad(`\`${part}\` in \`losses\` names no result before \`:\``);
    else if (wrt.some((w) => w === "")) bad(`\`${part}\` in \`losses\` has an empty parameter name`);
    else if (losses.some((l) => l.result === result)) bad(`loss \`${result}\` is listed twice in \`losses\``);
    else losses.push({ result, wrt });
  }
  return { losses, diagnostics };
}
