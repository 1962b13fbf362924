import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { PASS_CODES } from "./codes.js";
import type { AnyPass, OptionSchema, OptionValue } from "./pass.js";

/** One option as written by the user, before it is checked against the pass's schema. */
export interface GivenOption {
  key: string;
  value: unknown;
  /** True when the value is pipeline text (`density=0.1`), which is read according to the schema. */
  fromText?: boolean;
  keySpan?: Span;
  valueSpan?: Span;
}

/**
 * Check the options given to `pass` against its schema and fill in defaults (in the schema's order). Reports every
 * problem (unknown, duplicate, missing, ill-typed), not just the first.
 */
export function resolveOptions(
  pass: AnyPass,
  given: readonly GivenOption[],
  where: Span,
): { options: Record<string, OptionValue>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const options: Record<string, OptionValue> = {};
  const seen = new Map<string, Span>();
  const known = Object.keys(pass.options);

  for (const g of given) {
    const keySpan = g.keySpan ?? where;
    const schema = Object.hasOwn(pass.options, g.key) ? pass.options[g.key] : undefined;
    if (!schema) {
      const guess = didYouMean(g.key, known);
      const help = guess
        ? `did you mean \`${guess}\`?`
        : known.length
          ? `\`${pass.name}\` takes: ${known.join(", ")}`
          : `\`${pass.name}\` takes no options`;
      diagnostics.push(error(PASS_CODES.unknownOption.code, `pass \`${pass.name}\` has no option \`${g.key}\``, keySpan, { help }));
      continue;
    }
    const earlier = seen.get(g.key);
    if (earlier) {
      diagnostics.push(
        error(PASS_CODES.duplicateOption.code, `option \`${g.key}\` of pass \`${pass.name}\` is given twice`, keySpan, {
          labels: [{ span: earlier, message: "first given here" }],
        }),
      );
      continue;
    }
    seen.set(g.key, keySpan);
    const read = readOption(schema, g.value, g.fromText === true);
    if (typeof read === "object") {
      diagnostics.push(
        error(PASS_CODES.badOptionValue.code, `option \`${g.key}\` of pass \`${pass.name}\` ${read.problem}`, g.valueSpan ?? keySpan, {
          help: read.help ?? `${g.key}: ${describeKind(schema)} — ${schema.doc}`,
        }),
      );
      continue;
    }
    options[g.key] = read;
  }

  // Declaration order, whatever order the user wrote: formatting and logs stay deterministic.
  const ordered: Record<string, OptionValue> = {};
  for (const [key, schema] of Object.entries(pass.options)) {
    if (key in options) ordered[key] = options[key];
    else if (seen.has(key)) continue; // given but invalid: already reported
    else if (schema.default !== undefined) ordered[key] = schema.default;
    else if (!schema.optional) {
      diagnostics.push(
        error(PASS_CODES.missingOption.code, `pass \`${pass.name}\` needs option \`${key}\``, where, {
          help: `${key}: ${describeKind(schema)} — ${schema.doc}`,
        }),
      );
    }
  }
  return { options: ordered, diagnostics };
}

interface BadValue {
  problem: string;
  help?: string;
}

/** A number outside the schema's range, phrased after "must be" (undefined when in range or not a number). */
export function outOfRange(schema: OptionSchema, v: unknown): string | undefined {
  if (typeof v !== "number") return undefined;
  const low = schema.min === undefined || (schema.minExclusive ? v > schema.min : v >= schema.min);
  const high = schema.max === undefined || v <= schema.max;
  if (low && high) return undefined;
  const from = schema.min === undefined ? "" : `${schema.minExclusive ? ">" : "≥"} ${schema.min}`;
  const to = schema.max === undefined ? "" : `≤ ${schema.max}`;
  return [from, to].filter(Boolean).join(" and ");
}

/** Read one value per its schema; text values are parsed, structured ones must already have the right type. */
function readOption(schema: OptionSchema, value: unknown, fromText: boolean): OptionValue | BadValue {
  const read = readTyped(schema, value, fromText);
  const range = typeof read === "number" ? outOfRange(schema, read) : undefined;
  return range ? { problem: `must be ${range}, found ${read}` } : read;
}

function readTyped(schema: OptionSchema, value: unknown, fromText: boolean): OptionValue | BadValue {
  const shown = typeof value === "string" ? `\`${value}\`` : JSON.stringify(value) ?? String(value);
  const expected = (what: string): BadValue => ({ problem: `expects ${what}, found ${shown}` });
  switch (schema.kind) {
    case "int": {
      const n = fromText && typeof value === "string" && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : value;
      return typeof n === "number" && Number.isSafeInteger(n) ? n : expected("an integer");
    }
    case "float": {
      const n = fromText && typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      return typeof n === "number" && Number.isFinite(n) ? n : expected("a number");
    }
    case "bool": {
      if (fromText && (value === "true" || value === "false")) return value === "true";
      return typeof value === "boolean" ? value : expected("`true` or `false`");
    }
    case "string":
      return typeof value === "string" ? value : expected("a string");
    case "enum": {
      const allowed = schema.values ?? [];
      if (typeof value === "string" && allowed.includes(value)) return value;
      const guess = typeof value === "string" ? didYouMean(value, allowed) : undefined;
      return {
        problem: `expects one of ${allowed.map((v) => `\`${v}\``).join(", ")}, found ${shown}`,
        help: guess ? `did you mean \`${guess}\`?` : undefined,
      };
    }
  }
}

export function describeKind(schema: OptionSchema): string {
  return schema.kind === "enum" ? (schema.values ?? []).join(" | ") : schema.kind;
}
