import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Every `.ts` file below `dir` (relative to the repository root), as repository-relative paths. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(ROOT, relative))) {
      const child = path.join(relative, entry);
      if (statSync(path.join(ROOT, child)).isDirectory()) walk(child);
      else if (child.endsWith('.ts') && !child.endsWith('.d.ts')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

export interface FunctionSpan {
  readonly file: string;
  readonly name: string;
  readonly lines: number;
}

/** Every function, method, constructor and arrow function of a file, with its length in lines. */
export function functionSpans(file: string): FunctionSpan[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = (node as { name?: ts.Node }).name;
      spans.push({ file, name: named !== undefined ? named.getText(source) : ts.isConstructorDeclaration(node) ? 'constructor' : '(anonymous)', lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}
