import { EmbeddedActionsParser, type IOrAlt, type IParserConfig, type IToken } from "chevrotain";
import type * as A from "./ast.js";
import type { Pos, Span } from "./span.js";
import { error, type Diagnostic } from "./diagnostics.js";
import * as T from "./tokens.js";
import { tokenEnd, tokenSpan, tokenStart } from "./positions.js";
import { stringValue } from "./lexer.js";
import { describeToken } from "./describe.js";
import * as P from "./placeholders.js";

/**
 * The expression half of the `.gnn` grammar (expressions, stacks, types, parameter lists); `parser.ts`
 * adds the items on top. Chevrotain parser with embedded actions that build the AST directly.
 *
 * - All AST construction sits inside ACTION(): chevrotain runs every rule once to record the grammar,
 *   with fake tokens, and ACTION bodies are skipped during that recording.
 * - Error recovery is on, so a rule may return a placeholder (placeholders.ts) after an error; the AST
 *   is only handed out when there were no errors at all.
 * - OR alternatives without captured state are built once and cached: building them on every call
 *   dominated the time to parse large files.
 */

export interface ArgList {
  args: A.Arg[];
  close: IToken;
}

type Suffix = A.Ident | ArgList;

export abstract class ExpressionParser extends EmbeddedActionsParser {
  /** File name put into every span. */
  file = "";
  /** Problems the grammar accepts but the language does not (a second `forward`, …), found while parsing. */
  extraDiagnostics: Diagnostic[] = [];

  private primaryAlts?: IOrAlt<A.Expr>[];
  private suffixAlts?: IOrAlt<Suffix>[];
  private modifierAlts?: IOrAlt<IToken>[];

  protected constructor(config: IParserConfig) {
    super(T.ALL_TOKENS, config);
  }

  // ------------------------------------------------------------------ helpers

  protected span(start: Pos, end: Pos): Span {
    return { file: this.file, start, end };
  }

  protected tok(t: IToken): Span {
    return tokenSpan(this.file, t);
  }

  protected ident(t: IToken): A.Ident {
    return { kind: "Ident", name: t.image, span: this.tok(t) };
  }

  // ------------------------------------------------------------------ parameters and types

  protected readonly paramList = this.RULE(
    "paramList",
    (): A.ParamDecl[] => {
      const params: A.ParamDecl[] = [];
      this.CONSUME(T.LParen);
      this.OPTION(() => {
        const first = this.SUBRULE(this.param);
        this.ACTION(() => params.push(first));
        this.MANY(() => {
          this.CONSUME(T.Comma);
          const next = this.SUBRULE2(this.param);
          this.ACTION(() => params.push(next));
        });
        this.OPTION2(() => this.CONSUME2(T.Comma));
      });
      this.CONSUME(T.RParen);
      return params;
    },
    { recoveryValueFunc: () => [] },
  );

  private readonly param = this.RULE(
    "param",
    (): A.ParamDecl => {
      const name = this.CONSUME(T.Identifier);
      const type = this.OPTION(() => {
        this.CONSUME(T.Colon);
        return this.SUBRULE(this.typeExpr);
      });
      const dflt = this.OPTION2(() => {
        this.CONSUME(T.Equals);
        return this.SUBRULE(this.expr);
      });
      return this.ACTION(() => {
        const end = dflt?.span.end ?? type?.span.end ?? tokenEnd(name);
        return { kind: "Param", name: this.ident(name), type, default: dflt, span: this.span(tokenStart(name), end) };
      });
    },
    { recoveryValueFunc: P.placeholderParam },
  );

  protected readonly typeExpr = this.RULE(
    "typeExpr",
    (): A.TypeExpr => {
      const name = this.CONSUME(T.Identifier);
      const dims = this.OPTION(() => {
        const list: A.Expr[] = [];
        this.CONSUME(T.LBracket);
        this.OPTION2(() => {
          const first = this.SUBRULE(this.expr);
          this.ACTION(() => list.push(first));
          this.MANY(() => {
            this.CONSUME(T.Comma);
            const next = this.SUBRULE2(this.expr);
            this.ACTION(() => list.push(next));
          });
        });
        const close = this.CONSUME(T.RBracket);
        return { list, close };
      });
      return this.ACTION(() => ({
        kind: "Type",
        name: this.ident(name),
        dims: dims?.list,
        span: this.span(tokenStart(name), dims ? tokenEnd(dims.close) : tokenEnd(name)),
      }));
    },
    { recoveryValueFunc: P.placeholderType },
  );

  // ------------------------------------------------------------------ operators

  /**
   * `operand (op operand)*`, with precedence applied afterwards. One rule for all binary operators
   * (rather than one per precedence level) keeps the call stack shallow per nesting level, so the
   * parser stays well clear of a stack overflow at MAX_NESTING.
   */
  protected readonly expr = this.RULE(
    "expr",
    (): A.Expr => {
      const operands = [this.SUBRULE(this.operand)];
      const ops: IToken[] = [];
      this.MANY(() => {
        ops.push(this.CONSUME(T.BinaryOp));
        operands.push(this.SUBRULE2(this.operand));
      });
      return this.ACTION(() => (ops.length === 0 ? operands[0] : this.applyPrecedence(operands, ops)));
    },
    { recoveryValueFunc: P.placeholderExpr },
  );

  /** Folds `a op b op c …` into a tree: `*`, `/`, `@` bind tighter than `+`, `-`; both left-associative. */
  private applyPrecedence(operands: A.Expr[], ops: IToken[]): A.Expr {
    const terms = [operands[0]];
    const additive: IToken[] = [];
    ops.forEach((op, i) => {
      if (op.tokenType === T.Plus || op.tokenType === T.Minus) {
        additive.push(op);
        terms.push(operands[i + 1]);
      } else {
        terms[terms.length - 1] = this.binary(op, terms[terms.length - 1], operands[i + 1]);
      }
    });
    return additive.reduce((left, op, i) => this.binary(op, left, terms[i + 1]), terms[0]);
  }

  private binary(op: IToken, left: A.Expr, right: A.Expr): A.BinaryExpr {
    return { kind: "Binary", op: op.image as A.BinaryOp, left, right, span: this.span(left.span.start, right.span.end) };
  }

  /** `-`* primary (`.name` | `(args)`)*: unary minus, a primary, then member accesses and calls. */
  private readonly operand = this.RULE(
    "operand",
    (): A.Expr => {
      const minuses: IToken[] = [];
      this.MANY(() => {
        minuses.push(this.CONSUME(T.Minus));
      });
      let base = this.OR(this.primaryAlternatives());
      this.MANY2(() => {
        const suffix = this.OR2(
          (this.suffixAlts ??= [
            {
              ALT: () => {
                this.CONSUME(T.Dot);
                return this.SUBRULE(this.softName);
              },
            },
            { ALT: () => this.SUBRULE(this.callArgs) },
          ]),
        );
        base = this.ACTION(() => this.applySuffix(base, suffix));
      });
      return this.ACTION(() =>
        minuses.reduceRight<A.Expr>(
          (operand, minus) => ({ kind: "Unary", op: "-", operand, span: this.span(tokenStart(minus), operand.span.end) }),
          base,
        ),
      );
    },
    { recoveryValueFunc: P.placeholderExpr },
  );

  private applySuffix(base: A.Expr, suffix: Suffix): A.Expr {
    if ("kind" in suffix) {
      return { kind: "Member", object: base, property: suffix, span: this.span(base.span.start, suffix.span.end) };
    }
    return { kind: "Call", callee: base, args: suffix.args, span: this.span(base.span.start, tokenEnd(suffix.close)) };
  }

  /** A name that may also be a soft keyword: member properties, named arguments, train-entry keys. */
  protected readonly softName = this.RULE(
    "softName",
    (): A.Ident => {
      const t = this.CONSUME(T.AnyName);
      return this.ACTION(() => this.ident(t));
    },
    { recoveryValueFunc: P.placeholderIdent },
  );

  /** `( [arg (, arg)* [,]] )`. Arguments are parsed inline (no rule of their own) to save stack depth. */
  private readonly callArgs = this.RULE(
    "callArgs",
    (): ArgList => {
      const args: A.Arg[] = [];
      this.CONSUME(T.LParen);
      let commaSeen = true; // another argument may follow: at the start and after each comma
      this.MANY({
        GATE: () => commaSeen,
        DEF: () => {
          // `name =` is optional before the value; taking it with OPTION rather than OR(named, positional)
          // keeps the value's expr at the same stack depth either way.
          const name = this.OPTION(() => {
            const n = this.SUBRULE(this.softName);
            this.CONSUME(T.Equals);
            return n;
          });
          const value = this.SUBRULE(this.expr);
          this.ACTION(() => args.push(name ? { name, value, span: this.span(name.span.start, value.span.end) } : { value, span: value.span }));
          commaSeen = this.OPTION2(() => this.CONSUME(T.Comma)) !== undefined;
        },
      });
      const close = this.CONSUME(T.RParen);
      this.ACTION(() => this.checkArgOrder(args));
      return { args, close };
    },
    { recoveryValueFunc: () => ({ args: [], close: this.LA(0) }) },
  );

  private checkArgOrder(args: A.Arg[]): void {
    const firstNamed = args.findIndex((a) => a.name !== undefined);
    if (firstNamed < 0) return;
    const misplaced = args.slice(firstNamed).find((a) => a.name === undefined);
    if (misplaced === undefined) return;
    this.extraDiagnostics.push(
      error("E108", "positional argument after a named argument", misplaced.span, {
        labels: [
          { span: misplaced.span, message: "positional argument" },
          { span: args[firstNamed].span, message: "named argument comes first" },
        ],
        help: "put positional arguments before named ones, or name this one too",
      }),
    );
  }

  // ------------------------------------------------------------------ primaries

  private primaryAlternatives(): IOrAlt<A.Expr>[] {
    return (this.primaryAlts ??= [
      {
        ALT: () => {
          const t = this.CONSUME(T.AnyName);
          return this.ACTION(() => ({ kind: "Name", name: t.image, span: this.tok(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.NumberLit);
          return this.ACTION(() => ({
            kind: "Number",
            value: Number(t.image),
            isInt: !/[.eE]/.test(t.image),
            raw: t.image,
            span: this.tok(t),
          }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.StringLit);
          return this.ACTION(() => ({ kind: "String", value: stringValue(t.image), span: this.tok(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.True);
          return this.ACTION(() => ({ kind: "Bool", value: true, span: this.tok(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.False);
          return this.ACTION(() => ({ kind: "Bool", value: false, span: this.tok(t) }));
        },
      },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.listExpr) },
      { ALT: () => this.SUBRULE(this.stackExpr) },
    ]);
  }

  private readonly parenExpr = this.RULE(
    "parenExpr",
    (): A.Expr => {
      const open = this.CONSUME(T.LParen);
      const inner = this.SUBRULE(this.expr);
      const close = this.CONSUME(T.RParen);
      // No node for parentheses: the inner expression's span grows to include them.
      return this.ACTION(() => ({ ...inner, span: this.span(tokenStart(open), tokenEnd(close)) }));
    },
    { recoveryValueFunc: P.placeholderExpr },
  );

  private readonly listExpr = this.RULE(
    "listExpr",
    (): A.Expr => {
      const elements: A.Expr[] = [];
      const open = this.CONSUME(T.LBracket);
      this.OPTION(() => {
        elements.push(this.SUBRULE(this.expr));
        this.MANY(() => {
          this.CONSUME(T.Comma);
          elements.push(this.SUBRULE2(this.expr));
        });
        this.OPTION2(() => this.CONSUME2(T.Comma));
      });
      const close = this.CONSUME(T.RBracket);
      return this.ACTION(() => ({ kind: "List", elements, span: this.span(tokenStart(open), tokenEnd(close)) }));
    },
    { recoveryValueFunc: P.placeholderExpr },
  );

  // ------------------------------------------------------------------ stacks

  /**
   * `modifier+ operand`, where the operand must be a layer call. The modifiers are parsed inline (no
   * rule of their own) to keep the call stack shallow for nested stacks.
   */
  private readonly stackExpr = this.RULE(
    "stackExpr",
    (): A.Expr => {
      const modifiers: A.StackModifier[] = [];
      this.AT_LEAST_ONE(() => {
        const kw = this.OR(
          (this.modifierAlts ??= [
            { ALT: () => this.CONSUME(T.Repeat) },
            { ALT: () => this.CONSUME(T.Reversible) },
            { ALT: () => this.CONSUME(T.Equilibrium) },
          ]),
        );
        const call = this.SUBRULE(this.callArgs);
        this.ACTION(() =>
          modifiers.push({
            kind: kw.image as A.StackModifierKind,
            args: call.args,
            span: this.span(tokenStart(kw), tokenEnd(call.close)),
          }),
        );
      });
      const following = this.LA(1);
      const layer = this.OPTION(() => this.SUBRULE(this.operand));
      return this.ACTION(() => {
        const start = modifiers[0]?.span.start ?? tokenStart(following);
        if (layer?.kind === "Call") return { kind: "Stack", modifiers, layer, span: this.span(start, layer.span.end) };
        if (modifiers.length > 0) this.reportMissingLayer(modifiers, layer, following);
        return { kind: "Stack", modifiers, layer: P.placeholderCall(), span: this.span(start, tokenStart(following)) };
      });
    },
    { recoveryValueFunc: P.placeholderExpr },
  );

  private reportMissingLayer(modifiers: A.StackModifier[], layer: A.Expr | undefined, following: IToken): void {
    const last = modifiers[modifiers.length - 1];
    const followingExists = Number.isFinite(following.startOffset);
    const where = layer?.span ?? (followingExists ? this.tok(following) : this.span(last.span.end, last.span.end));
    let found: string;
    if (layer?.kind === "Name") found = `\`${layer.name}\``;
    else if (layer !== undefined) found = "an expression that is not a call";
    else found = followingExists ? describeToken(following) : "end of file";
    const help =
      layer?.kind === "Name"
        ? `call the layer with its arguments: \`${layer.name}(...)\``
        : "a stack wraps one layer instance, as in `repeat(4) ResBlock(64)`";
    this.extraDiagnostics.push(
      error("E107", `expected a layer call after \`${last.kind}(…)\`, found ${found}`, where, {
        labels: [
          { span: where, message: "expected a layer call" },
          { span: this.span(modifiers[0].span.start, last.span.end), message: "stack modifiers" },
        ],
        help,
      }),
    );
  }
}
