import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import type { OptionValue, ScheduleSpec } from "../train/spec.js";
import { SCHEDULE_CODES } from "./codes.js";

/**
 * The options of a schedule kind (`decoupled(modules = [128, 64], k = [1, 2], …)`): a schema each
 * kind declares, and the one checker every kind's options go through, so that unknown names, wrong
 * types, ranges and list lengths are refused alike, each at its option with a hint.
 */

export type OptionType =
  | { kind: "int"; min: number; max: number }
  | { kind: "number"; min: number; max?: number }
  | { kind: "bool" }
  /** One of a few bare words (`leaky_relu`). */
  | { kind: "word"; words: readonly string[] }
  /** A whole number in [min, max], or the word `all`. */
  | { kind: "count"; min: number; max: number };

export interface ScheduleOption {
  name: string;
  type: OptionType;
  /** What the option means, shown in the hint when it is wrong. */
  doc: string;
  /** A list of values (`modules = [128, 64]`), of length in [1, max]. */
  list?: { max: number };
  /**
   * One value per entry of the list option named here, or one value for all of them
   * (`k = [1, 1, 2]` or `k = 1` with `modules = [128, 64, 32]`). Checked values are expanded to
   * a full list.
   */
  perItem?: string;
  required?: boolean;
  /** The value when the option is not given (expanded like a given one). */
  default?: OptionValue;
}

/** Checked options: every option of the schema that is given or has a default, `perItem` ones as full lists. */
export type CheckedOptions = Record<string, OptionValue>;

function describeType(t: OptionType): string {
  switch (t.kind) {
    case "int":
      return `a whole number in [${t.min}, ${t.max}]`;
    case "number":
      return t.max === undefined ? `a number ≥ ${t.min}` : `a number in [${t.min}, ${t.max}]`;
    case "bool":
      return "`true` or `false`";
    case "word":
      return `one of ${t.words.map((w) => `\`${w}\``).join(", ")}`;
    case "count":
      return `a whole number in [${t.min}, ${t.max}] or \`all\``;
  }
}

function text(v: OptionValue): string {
  return Array.isArray(v) ? `[${v.map(text).join(", ")}]` : String(v);
}

/** Why one value does not fit the type, or undefined when it does: [code, what is wrong]. */
function valueProblem(t: OptionType, v: OptionValue): [string, string] | undefined {
  const wrong: [string, string] = [SCHEDULE_CODES.wrongType.code, `must be ${describeType(t)}`];
  const range: [string, string] = [SCHEDULE_CODES.outOfRange.code, `must be ${describeType(t)}`];
  switch (t.kind) {
    case "bool":
      return typeof v === "boolean" ? undefined : wrong;
    case "word":
      return typeof v === "string" && t.words.includes(v) ? undefined : wrong;
    case "number":
      if (typeof v !== "number") return wrong;
      return v >= t.min && (t.max === undefined || v <= t.max) ? undefined : range;
    case "int":
    case "count":
      if (t.kind === "count" && v === "all") return undefined;
      if (typeof v !== "number" || !Number.isInteger(v)) return wrong;
      return v >= t.min && v <= t.max ? undefined : range;
  }
}

/**
 * Check a schedule's options against its kind's schema. Every problem is reported (located at its
 * option, or at the call for a missing one); `values` is present only when there is none.
 */
export function checkOptions(kind: string, schema: readonly ScheduleOption[], spec: ScheduleSpec): { values?: CheckedOptions; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const at = (name: string): Span => spec.argSpans?.[name] ?? spec.span;
  const names = schema.map((o) => o.name);
  for (const name of Object.keys(spec.args)) {
    if (names.includes(name)) continue;
    const guess = didYouMean(name, names);
    diagnostics.push(
      error(SCHEDULE_CODES.unknownOption.code, `\`${kind}\` has no option \`${name}\``, at(name), {
        help: guess ? `did you mean \`${guess}\`?` : `its options are ${names.map((n) => `\`${n}\``).join(", ")}`,
      }),
    );
  }
  const values: CheckedOptions = {};
  for (const o of schema) {
    const given = spec.args[o.name];
    if (given === undefined) {
      if (o.required) diagnostics.push(error(SCHEDULE_CODES.missingOption.code, `\`${kind}\` needs \`${o.name}\``, spec.span, { help: `add \`${o.name} = …\`: ${o.doc}` }));
      else if (o.default !== undefined) values[o.name] = o.default;
      continue;
    }
    const items = o.list || (o.perItem && Array.isArray(given)) ? given : [given];
    if (!Array.isArray(items) || items.length === 0 || (o.list && items.length > o.list.max)) {
      const size = o.list ? `a list of 1 to ${o.list.max} values, each ${describeType(o.type)}` : describeType(o.type);
      diagnostics.push(error(SCHEDULE_CODES.wrongType.code, `\`${o.name}\` of \`${kind}\` must be ${size}, found \`${text(given)}\``, at(o.name), { help: o.doc }));
      continue;
    }
    const bad = items.map((v) => valueProblem(o.type, v)).find((p) => p !== undefined);
    if (bad) {
      const each = Array.isArray(given) ? "each value of " : "";
      diagnostics.push(error(bad[0], `${each}\`${o.name}\` of \`${kind}\` ${bad[1]}, found \`${text(given)}\``, at(o.name), { help: o.doc }));
      continue;
    }
    values[o.name] = o.list || (o.perItem && Array.isArray(given)) ? items : given;
  }
  // Per-item options: one value per item of their list, or one for all.
  for (const o of schema) {
    if (!o.perItem || values[o.name] === undefined) continue;
    const list = values[o.perItem];
    if (!Array.isArray(list)) continue; // the list itself was reported
    const v = values[o.name];
    if (!Array.isArray(v)) {
      values[o.name] = list.map(() => v);
    } else if (v.length !== list.length) {
      diagnostics.push(
        error(SCHEDULE_CODES.listLength.code, `\`${o.name}\` has ${v.length} value${v.length === 1 ? "" : "s"}, but \`${o.perItem}\` has ${list.length}`, at(o.name), {
          help: `give one value per entry of \`${o.perItem}\`, or one value for all of them`,
          ...(spec.argSpans?.[o.perItem] ? { labels: [{ span: spec.argSpans[o.perItem], message: `${list.length} entries here` }] } : {}),
        }),
      );
    }
  }
  return diagnostics.length ? { diagnostics } : { values, diagnostics };
}
