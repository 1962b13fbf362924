import { DataError } from "./errors.js";

/**
 * Line-oriented numeric text (CSV, TSV or whitespace separated), as used by the edge-list loader:
 * `#` starts a comment, blank lines are skipped, and the first remaining line may be a header
 * (recognised by holding a field that is not a number).
 */

export interface TextRow {
  /** 1-based line number in the file. */
  line: number;
  fields: string[];
}

export interface TextTable {
  rows: TextRow[];
  header: string[] | undefined;
}

export function readTextTable(text: string, file: string): TextTable {
  const rows: TextRow[] = [];
  let header: string[] | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const content = lines[i].replace(/#.*$/, "").trim();
    if (content === "") continue;
    const fields = splitFields(content);
    const emptyAt = fields.indexOf("");
    if (emptyAt >= 0) throw new DataError("malformed", `${file}:${i + 1}: field ${emptyAt + 1} is empty in "${content}"`);
    if (rows.length === 0 && header === undefined && fields.some((f) => !isNumber(f))) {
      header = fields;
      continue;
    }
    rows.push({ line: i + 1, fields });
  }
  return { rows, header };
}

function splitFields(content: string): string[] {
  if (content.includes(",")) return content.split(",").map((f) => f.trim());
  if (content.includes("\t")) return content.split("\t").map((f) => f.trim());
  return content.split(/\s+/);
}

function isNumber(field: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(field) || /^[+-]?(nan|inf|infinity)$/i.test(field);
}

/** A non-negative int32 id, or an error naming file:line. */
export function parseId(field: string, file: string, line: number, what: string): number {
  if (!/^\d+$/.test(field) || Number(field) > 2147483647) {
    throw new DataError("malformed", `${file}:${line}: ${JSON.stringify(field)} is not a ${what} (a non-negative integer)`);
  }
  return Number(field);
}
