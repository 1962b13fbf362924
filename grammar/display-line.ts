/**
 * A source line as a terminal shows it, with a map from UTF-16 offsets in the line to display columns,
 * so carets line up under tabs, wide characters and escaped control characters. Very long lines are
 * cropped to a window around the offsets of interest, with `...` marking the cut.
 */
export interface DisplayLine {
  text: string;
  /** Display column (0-based, within `text`) of the character at `offset`; the line's width past its end. */
  column(offset: number): number;
}

const TAB_WIDTH = 4;
const MAX_WIDTH = 120;
const CONTEXT_BEFORE = 40;
const ELLIPSIS = "...";

export function displayLine(line: string, focus: readonly number[] = []): DisplayLine {
  const cells: string[] = []; // one per code point, as displayed
  const cellColumns: number[] = []; // display column where each cell starts
  const starts = new Int32Array(line.length + 1); // display column per UTF-16 offset
  let col = 0;
  for (let i = 0; i < line.length; i++) {
    const code = line.codePointAt(i)!;
    const units = code > 0xffff ? 2 : 1;
    starts[i] = col;
    if (units === 2) starts[i + 1] = col; // the low surrogate belongs to the same cell
    cells.push(cellFor(code, line.slice(i, i + units)));
    cellColumns.push(col);
    col += code === 9 ? TAB_WIDTH : cellWidth(code);
    i += units - 1;
  }
  starts[line.length] = col;
  const columnOf = (offset: number) => starts[Math.max(0, Math.min(line.length, offset))];
  if (col <= MAX_WIDTH) return { text: cells.join(""), column: columnOf };

  // Crop to MAX_WIDTH columns starting a little before the first focused column.
  const first = focus.length > 0 ? Math.min(...focus.map(columnOf)) : 0;
  const left = Math.max(0, Math.min(first - CONTEXT_BEFORE, col - MAX_WIDTH));
  const right = left + MAX_WIDTH;
  const kept = cells.filter((_, i) => cellColumns[i] >= left && cellColumns[i] < right).join("");
  const prefix = left > 0 ? ELLIPSIS : "";
  const suffix = right < col ? ELLIPSIS : "";
  return {
    text: prefix + kept + suffix,
    column: (offset) => prefix.length + Math.max(0, Math.min(right, columnOf(offset)) - left),
  };
}

function cellFor(code: number, char: string): string {
  if (code === 9) return " ".repeat(TAB_WIDTH);
  // Control characters would move the cursor or change colours; show a replacement character instead.
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return "\ufffd";
  return char;
}

/** Terminal width of a code point: 2 for East Asian wide characters and emoji, 1 otherwise. */
function cellWidth(code: number): number {
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}
