import type * as A from "./ast.js";
import type { Pos, Span } from "./span.js";

/**
 * Stand-in results for grammar rules that failed and were re-synchronised by error recovery. They keep
 * the parser's actions free of undefined checks; an AST containing them is never handed out, because a
 * recovered error always leaves a diagnostic behind.
 */

const NOWHERE: Pos = { offset: NaN, line: NaN, column: NaN };
export const NOWHERE_SPAN: Span = { file: "", start: NOWHERE, end: NOWHERE };

export const placeholderExpr = (): A.Expr => ({ kind: "Name", name: "", span: NOWHERE_SPAN });
export const placeholderIdent = (): A.Ident => ({ kind: "Ident", name: "", span: NOWHERE_SPAN });
export const placeholderCall = (): A.CallExpr => ({ kind: "Call", callee: placeholderExpr(), args: [], span: NOWHERE_SPAN });

export const placeholderImport = (): A.ImportDecl => ({
  kind: "Import",
  path: { kind: "String", value: "", span: NOWHERE_SPAN },
  span: NOWHERE_SPAN,
});
export const placeholderDataset = (): A.DatasetDecl => ({
  kind: "Dataset",
  name: placeholderIdent(),
  value: placeholderExpr(),
  span: NOWHERE_SPAN,
});
export const placeholderModule = (): A.ModuleDecl => ({
  kind: "Model",
  name: placeholderIdent(),
  params: [],
  members: [],
  span: NOWHERE_SPAN,
});
export const placeholderTrain = (): A.TrainDecl => ({ kind: "Train", name: placeholderIdent(), entries: [], span: NOWHERE_SPAN });
export const placeholderMember = (): A.LayerMember => ({
  kind: "LayerMember",
  name: placeholderIdent(),
  value: placeholderExpr(),
  span: NOWHERE_SPAN,
});
export const placeholderForward = (): A.ForwardDecl => ({
  kind: "Forward",
  params: [],
  body: [],
  isExpression: false,
  span: NOWHERE_SPAN,
});
export const placeholderStmt = (): A.Stmt => ({ kind: "Return", value: placeholderExpr(), span: NOWHERE_SPAN });
export const placeholderEntry = (): A.TrainEntry => ({
  kind: "TrainEntry",
  key: placeholderIdent(),
  value: placeholderExpr(),
  span: NOWHERE_SPAN,
});
export const placeholderParam = (): A.ParamDecl => ({ kind: "Param", name: placeholderIdent(), span: NOWHERE_SPAN });
export const placeholderType = (): A.TypeExpr => ({ kind: "Type", name: placeholderIdent(), span: NOWHERE_SPAN });
export const placeholderArg = (): A.Arg => ({ value: placeholderExpr(), span: NOWHERE_SPAN });
