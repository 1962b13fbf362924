import { BARE_CHAR, readBareToken } from "./text-format.js";

/** A cursor over IR text with the few token readers the IR parser needs; errors carry line and column. */

export class IrParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`IR text ${line}:${column}: ${message}`);
  }
}

export class Reader {
  private pos = 0;

  constructor(private readonly text: string) {}

  fail(message: string): never {
    return this.failAt(this.pos, message);
  }

  failAt(pos: number, message: string): never {
    const before = this.text.slice(0, pos);
    const line = before.split("\n").length;
    throw new IrParseError(message, line, pos - before.lastIndexOf("\n"));
  }

  /** The position of the next token on this line (for errors about a token already read). */
  mark(): number {
    this.skipSpaces();
    return this.pos;
  }

  private peekChar(): string {
    return this.text[this.pos] ?? "";
  }

  /** The next character on this line after spaces, without consuming it ("" at the end of the text). */
  peek(): string {
    this.skipSpaces();
    return this.peekChar();
  }

  /** True at the end of a statement: a newline, a trailing comment or the end of the text. */
  atLineEnd(): boolean {
    const c = this.peek();
    return c === "" || c === "\n" || c === "#";
  }

  skipSpaces(): void {
    while (this.peekChar() === " " || this.peekChar() === "\t" || this.peekChar() === "\r") this.pos++;
  }

  /** Skip blank lines and whole-line comments; true when the end of the text is reached. */
  skipBlankLines(): boolean {
    for (;;) {
      this.skipSpaces();
      const c = this.peekChar();
      if (c === "#") while (this.pos < this.text.length && this.peekChar() !== "\n") this.pos++;
      else if (c === "\n") this.pos++;
      else return c === "";
    }
  }

  /** True (and consumed) when the next non-blank text on this line is `s`. */
  eat(s: string): boolean {
    this.skipSpaces();
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  expect(s: string): void {
    if (!this.eat(s)) this.fail(`expected \`${s}\`, found ${this.describeNext()}`);
  }

  /** Like eat, but only for a whole word (so `param` does not match `params`). */
  eatKeyword(word: string): boolean {
    this.skipSpaces();
    const end = this.pos + word.length;
    if (this.text.startsWith(word, this.pos) && !/[A-Za-z0-9_.]/.test(this.text[end] ?? "")) {
      this.pos = end;
      return true;
    }
    return false;
  }

  private describeNext(): string {
    const rest = this.text.slice(this.pos).split("\n")[0];
    return rest ? `\`${rest.slice(0, 20)}\`` : "the end of the line";
  }

  /** The end of a statement: an optional `# comment`, then a newline or the end of the text. */
  endLine(): string | undefined {
    this.skipSpaces();
    let comment: string | undefined;
    if (this.peekChar() === "#") {
      const start = this.pos + 1;
      while (this.pos < this.text.length && this.peekChar() !== "\n") this.pos++;
      comment = this.text.slice(start, this.pos).trim();
    }
    if (this.peekChar() === "\n") this.pos++;
    else if (this.pos < this.text.length) this.fail(`unexpected ${this.describeNext()}`);
    return comment;
  }

  word(what: string): string {
    this.skipSpaces();
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.text.slice(this.pos, this.pos + 200));
    if (!m) this.fail(`expected ${what}, found ${this.describeNext()}`);
    this.pos += m[0].length;
    return m[0];
  }

  int(what: string): number {
    this.skipSpaces();
    const m = /^\d+/.exec(this.text.slice(this.pos, this.pos + 20));
    if (!m) this.fail(`expected ${what}, found ${this.describeNext()}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  valueRef(): number {
    this.expect("%");
    return this.int("a value id");
  }

  quoted(): string {
    this.skipSpaces();
    const start = this.pos;
    this.pos++; // opening quote
    while (this.pos < this.text.length && this.peekChar() !== '"') {
      if (this.peekChar() === "\\") this.pos++;
      if (this.peekChar() === "\n") break;
      this.pos++;
    }
    if (this.peekChar() !== '"') this.fail("unterminated string");
    this.pos++;
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      this.fail("malformed string");
    }
  }

  atQuote(): boolean {
    this.skipSpaces();
    return this.peekChar() === '"';
  }

  /** A name: identifier-like, or JSON-quoted. */
  name(what: string): string {
    return this.atQuote() ? this.quoted() : this.word(what);
  }

  bareToken(what: string): string {
    this.skipSpaces();
    const start = this.pos;
    while (this.pos < this.text.length && BARE_CHAR.test(this.peekChar())) this.pos++;
    if (this.pos === start) this.fail(`expected ${what}, found ${this.describeNext()}`);
    return this.text.slice(start, this.pos);
  }

  /** A scalar: quoted string, or a bare token read as number / boolean / string. */
  scalar(what: string): number | boolean | string {
    return this.atQuote() ? this.quoted() : readBareToken(this.bareToken(what));
  }
}
