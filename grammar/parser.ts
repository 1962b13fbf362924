import type { IOrAlt, IToken } from "chevrotain";
import * as A from "./ast.js";
import { didYouMean } from "./suggest.js";
import { error } from "./diagnostics.js";
import * as T from "./tokens.js";
import { tokenEnd, tokenStart } from "./positions.js";
import { stringValue } from "./lexer.js";
import { errorEncoder, type ParseState } from "./raw-errors.js";
import { ExpressionParser } from "./expression-parser.js";
import * as P from "./placeholders.js";

/**
 * The `.gnn` parser: the top-level items (`import`, `dataset`, `block`/`model`, `train`) and their
 * bodies, on top of the expression grammar of `expression-parser.ts`. `program()` returns the items.
 */
export class GnnParser extends ExpressionParser {
  private readonly state: ParseState;
  private itemAlts?: IOrAlt<A.Item>[];
  private stmtAlts?: IOrAlt<A.Stmt>[];

  constructor(state: ParseState) {
    super({ recoveryEnabled: true, maxLookahead: 2, errorMessageProvider: errorEncoder(state) });
    this.state = state;
    this.performSelfAnalysis();
  }

  /** Records which item is being parsed, so error messages can name it ("in model `GCN`"). */
  private enterItem(keyword: IToken, name?: IToken): void {
    this.state.item = { keyword: keyword.image, name: name?.image || undefined };
  }

  public readonly program = this.RULE(
    "program",
    (): A.Item[] => {
      const items: A.Item[] = [];
      this.MANY(() => {
        const item = this.SUBRULE(this.item);
        this.ACTION(() => items.push(item));
      });
      return items;
    },
    { recoveryValueFunc: () => [] },
  );

  private readonly item = this.RULE(
    "item",
    (): A.Item =>
      this.OR(
        (this.itemAlts ??= [
          { ALT: () => this.SUBRULE(this.importDecl) },
          { ALT: () => this.SUBRULE(this.datasetDecl) },
          { ALT: () => this.SUBRULE(this.moduleDecl) },
          { ALT: () => this.SUBRULE(this.trainDecl) },
        ]),
      ),
    { recoveryValueFunc: P.placeholderImport },
  );

  private readonly importDecl = this.RULE(
    "importDecl",
    (): A.ImportDecl => {
      const kw = this.CONSUME(T.Import);
      this.ACTION(() => this.enterItem(kw));
      const path = this.CONSUME(T.StringLit);
      return this.ACTION(() => ({
        kind: "Import",
        path: { kind: "String", value: stringValue(path.image), span: this.tok(path) },
        span: this.span(tokenStart(kw), tokenEnd(path)),
      }));
    },
    { recoveryValueFunc: P.placeholderImport },
  );

  private readonly datasetDecl = this.RULE(
    "datasetDecl",
    (): A.DatasetDecl => {
      const kw = this.CONSUME(T.Dataset);
      this.ACTION(() => this.enterItem(kw));
      const name = this.CONSUME(T.Identifier);
      this.ACTION(() => this.enterItem(kw, name));
      this.CONSUME(T.Equals);
      const value = this.SUBRULE(this.expr);
      return this.ACTION(() => ({
        kind: "Dataset",
        name: this.ident(name),
        value,
        span: this.span(tokenStart(kw), value.span.end),
      }));
    },
    { recoveryValueFunc: P.placeholderDataset },
  );

  // ------------------------------------------------------------------ blocks and models

  private readonly moduleDecl = this.RULE(
    "moduleDecl",
    (): A.ModuleDecl => {
      const kw = this.OR([{ ALT: () => this.CONSUME(T.Block) }, { ALT: () => this.CONSUME(T.Model) }]);
      this.ACTION(() => this.enterItem(kw));
      const name = this.CONSUME(T.Identifier);
      this.ACTION(() => this.enterItem(kw, name));
      const params = this.OPTION(() => this.SUBRULE(this.paramList));
      this.CONSUME(T.LBrace);
      const members: A.LayerMember[] = [];
      const forwards: { decl: A.ForwardDecl; keyword: IToken }[] = [];
      const methods: { decl: A.ForwardDecl; keyword: IToken }[] = [];
      this.MANY(() => {
        // `name = …` is a member and `name(…)` a method; anything else after a name (`conv GCNConv(…)`)
        // is read as a member, whose missing `=` is the error to report. Hence one token of lookahead
        // and a gate on the second, rather than two tokens that would match neither.
        this.OR2({ MAX_LOOKAHEAD: 1, DEF: [
          {
            GATE: () => this.LA(2).tokenType !== T.LParen,
            IGNORE_AMBIGUITIES: true,
            ALT: () => {
              const member = this.SUBRULE(this.member);
              this.ACTION(() => members.push(member));
            },
          },
          {
            ALT: () => {
              const keyword = this.LA(1);
              const decl = this.SUBRULE(this.forwardDecl);
              this.ACTION(() => forwards.push({ decl, keyword }));
            },
          },
          {
            GATE: () => this.LA(2).tokenType === T.LParen,
            IGNORE_AMBIGUITIES: true,
            ALT: () => {
              const keyword = this.LA(1);
              const decl = this.SUBRULE(this.methodDecl);
              this.ACTION(() => methods.push({ decl, keyword }));
            },
          },
        ] });
      });
      const close = this.CONSUME(T.RBrace);
      return this.ACTION(() => {
        this.reportExtraDefinitions(kw, name, "forward", forwards.map((f) => f.keyword));
        const known = this.knownMethods(methods);
        for (const method of A.MESSAGE_PASSING_METHODS) {
          this.reportExtraDefinitions(kw, name, method, known.filter((m) => m.keyword.image === method).map((m) => m.keyword));
        }
        const method = (n: string) => known.find((m) => m.keyword.image === n)?.decl;
        const message = method("message");
        const update = method("update");
        return {
          kind: kw.tokenType === T.Block ? "Block" : "Model",
          name: this.ident(name),
          params: params ?? [],
          members,
          forward: forwards[0]?.decl,
          ...(message ? { message } : {}),
          ...(update ? { update } : {}),
          span: this.span(tokenStart(kw), tokenEnd(close)),
        };
      });
    },
    { recoveryValueFunc: P.placeholderModule },
  );

  private reportExtraDefinitions(kw: IToken, name: IToken, method: string, keywords: IToken[]): void {
    for (const extra of keywords.slice(1)) {
      this.extraDiagnostics.push(
        error("E106", `${kw.image} \`${name.image}\` has more than one \`${method}\``, this.tok(extra), {
          labels: [
            { span: this.tok(extra), message: `second \`${method}\`` },
            { span: this.tok(keywords[0]), message: `first \`${method}\` defined here` },
          ],
          help: `a ${kw.image} has ${method === "forward" ? "exactly" : "at most"} one \`${method}\`; merge the two or remove one`,
        }),
      );
    }
  }

  /** The methods named `message` or `update`; any other name is reported (a typo, or a method gnnc does not run). */
  private knownMethods(methods: { decl: A.ForwardDecl; keyword: IToken }[]): { decl: A.ForwardDecl; keyword: IToken }[] {
    const names: readonly string[] = A.MESSAGE_PASSING_METHODS;
    for (const m of methods) {
      if (names.includes(m.keyword.image)) continue;
      // A name read as a method while recovering from an error on its line is that error's echo.
      if (this.errors.some((e) => e.token.startLine === m.keyword.startLine)) continue;
      const suggestion = didYouMean(m.keyword.image, [...names, "forward"]);
      this.extraDiagnostics.push(
        error("E112", `unknown method \`${m.keyword.image}\`: a block defines \`forward\`, \`message\` and \`update\``, this.tok(m.keyword), {
          help: suggestion
            ? `did you mean \`${suggestion}\`?`
            : "members are written `name = Layer(...)`; `message(x_i, x_j) = ...` and `update(aggr_out, x) = ...` define message passing",
        }),
      );
    }
    return methods.filter((m) => names.includes(m.keyword.image));
  }

  private readonly member = this.RULE(
    "member",
    (): A.LayerMember => {
      const name = this.CONSUME(T.Identifier);
      this.CONSUME(T.Equals);
      const value = this.SUBRULE(this.expr);
      return this.ACTION(() => ({
        kind: "LayerMember",
        name: this.ident(name),
        value,
        span: this.span(tokenStart(name), value.span.end),
      }));
    },
    { recoveryValueFunc: P.placeholderMember },
  );

  private readonly forwardDecl = this.RULE(
    "forwardDecl",
    (): A.ForwardDecl => {
      const kw = this.CONSUME(T.Forward);
      this.ACTION(() => (this.state.method = kw.image));
      return this.SUBRULE(this.functionRest, { ARGS: [kw] });
    },
    { recoveryValueFunc: P.placeholderForward },
  );

  /** `message(…) …` or `update(…) …`: a method of PyG's MessagePassing, written like `forward`. */
  private readonly methodDecl = this.RULE(
    "methodDecl",
    (): A.ForwardDecl => {
      const name = this.CONSUME(T.Identifier);
      this.ACTION(() => (this.state.method = name.image));
      return this.SUBRULE(this.functionRest, { ARGS: [name] });
    },
    { recoveryValueFunc: P.placeholderForward },
  );

  /** After a function's name: `(params) = expr` or `(params) [-> type] { stmts }`. */
  private readonly functionRest = this.RULE(
    "functionRest",
    (kw: IToken): A.ForwardDecl => {
      const params = this.SUBRULE(this.paramList);
      return this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Equals);
            const value = this.SUBRULE(this.expr);
            return this.ACTION(() => ({
              kind: "Forward",
              params,
              body: [{ kind: "Return", value, span: value.span }],
              isExpression: true,
              span: this.span(tokenStart(kw), value.span.end),
            }));
          },
        },
        {
          ALT: () => {
            const returnType = this.OPTION(() => {
              this.CONSUME(T.Arrow);
              return this.SUBRULE(this.typeExpr);
            });
            this.CONSUME(T.LBrace);
            const body: A.Stmt[] = [];
            this.MANY(() => {
              const stmt = this.SUBRULE(this.stmt);
              this.ACTION(() => body.push(stmt));
            });
            const close = this.CONSUME(T.RBrace);
            return this.ACTION(() => ({
              kind: "Forward",
              params,
              returnType,
              body,
              isExpression: false,
              span: this.span(tokenStart(kw), tokenEnd(close)),
            }));
          },
        },
      ]);
    },
    { recoveryValueFunc: P.placeholderForward },
  );

  private readonly stmt = this.RULE(
    "stmt",
    (): A.Stmt =>
      this.OR(
        (this.stmtAlts ??= [
          {
            ALT: () => {
              const kw = this.CONSUME(T.Return);
              const value = this.SUBRULE(this.expr);
              return this.ACTION(() => ({ kind: "Return", value, span: this.span(tokenStart(kw), value.span.end) }));
            },
          },
          {
            ALT: () => {
              const target = this.CONSUME(T.Identifier);
              this.CONSUME(T.Equals);
              const value = this.SUBRULE2(this.expr);
              return this.ACTION(() => ({
                kind: "Assign",
                target: this.ident(target),
                value,
                span: this.span(tokenStart(target), value.span.end),
              }));
            },
          },
        ]),
      ),
    { recoveryValueFunc: P.placeholderStmt },
  );

  // ------------------------------------------------------------------ train blocks

  private readonly trainDecl = this.RULE(
    "trainDecl",
    (): A.TrainDecl => {
      const kw = this.CONSUME(T.Train);
      this.ACTION(() => this.enterItem(kw));
      const name = this.CONSUME(T.Identifier);
      this.ACTION(() => this.enterItem(kw, name));
      this.CONSUME(T.LBrace);
      const entries: A.TrainEntry[] = [];
      this.MANY(() => {
        const entry = this.SUBRULE(this.trainEntry);
        this.ACTION(() => entries.push(entry));
      });
      const close = this.CONSUME(T.RBrace);
      return this.ACTION(() => ({
        kind: "Train",
        name: this.ident(name),
        entries,
        span: this.span(tokenStart(kw), tokenEnd(close)),
      }));
    },
    { recoveryValueFunc: P.placeholderTrain },
  );

  private readonly trainEntry = this.RULE(
    "trainEntry",
    (): A.TrainEntry => {
      const key = this.SUBRULE(this.softName);
      this.CONSUME(T.Equals);
      const value = this.SUBRULE(this.expr);
      return this.ACTION(() => ({ kind: "TrainEntry", key, value, span: this.span(key.span.start, value.span.end) }));
    },
    { recoveryValueFunc: P.placeholderEntry },
  );
}
