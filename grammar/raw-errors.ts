import type { IParserErrorMessageProvider, IRecognitionException, IToken } from "chevrotain";

/** The item being parsed when an error happened, so a message can say "in model `GCN`". */
export interface ItemContext {
  keyword: string;
  name?: string;
}

/** Mutable parse state the parser updates and the message provider reads. */
export interface ParseState {
  item?: ItemContext;
  /** The function whose parameters or body are being parsed (`forward`, `message`, `update`). */
  method?: string;
}

/**
 * What chevrotain knew when it raised an error. Chevrotain only carries a string from its message
 * provider to the exception, so this is JSON-encoded in `exception.message`; the user never sees it.
 */
export interface RawSyntaxError {
  kind: "mismatch" | "noViableAlt" | "earlyExit" | "notAllInput" | "unknown";
  rule: string;
  /** Token type name, for `mismatch`. */
  expected?: string;
  item?: ItemContext;
  method?: string;
}

export function errorEncoder(state: ParseState): IParserErrorMessageProvider {
  const encode = (info: RawSyntaxError): string => JSON.stringify({ ...info, item: state.item, method: state.method });
  return {
    buildMismatchTokenMessage: ({ expected, ruleName }) =>
      encode({ kind: "mismatch", rule: ruleName, expected: expected.name }),
    buildNotAllInputParsedMessage: ({ ruleName }) => encode({ kind: "notAllInput", rule: ruleName }),
    buildNoViableAltMessage: ({ ruleName }) => encode({ kind: "noViableAlt", rule: ruleName }),
    buildEarlyExitMessage: ({ ruleName }) => encode({ kind: "earlyExit", rule: ruleName }),
  };
}

export interface DecodedError {
  info: RawSyntaxError;
  found: IToken;
}

export function decodeError(e: IRecognitionException): DecodedError {
  let info: RawSyntaxError;
  try {
    info = JSON.parse(e.message) as RawSyntaxError;
  } catch {
    info = { kind: "unknown", rule: e.context?.ruleStack?.at(-1) ?? "" };
  }
  return { info, found: e.token };
}
