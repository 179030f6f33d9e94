// Counts the weight of TypeScript files: the lines that hold code (at least one token; comments and
// blank lines do not count), and all non-blank lines, comments included.
// Usage: node --import tsx bench/count-lines.ts lib/browser/*.ts lib/api/*.ts
import { readFileSync } from 'node:fs';
import ts from 'typescript';

function countLines(file: string): { code: number; nonBlank: number } {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = new Set<number>();
  const visit = (node: ts.Node): void => {
    // JSDoc is a comment, though the parser hangs it on the tree.
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(source);
    if (children.length === 0 && node.kind !== ts.SyntaxKind.EndOfFileToken) {
      const start = node.getStart(source);
      const first = source.getLineAndCharacterOfPosition(start).line;
      const last = source.getLineAndCharacterOfPosition(Math.max(start, node.getEnd() - 1)).line;
      for (let line = first; line <= last; line++) lines.add(line);
    }
    children.forEach(visit);
  };
  visit(source);
  return { code: lines.size, nonBlank: text.split('\n').filter((line) => line.trim() !== '').length };
}

let code = 0;
let nonBlank = 0;
for (const file of process.argv.slice(2)) {
  const counted = countLines(file);
  code += counted.code;
  nonBlank += counted.nonBlank;
  console.log(`${String(counted.code).padStart(6)} ${String(counted.nonBlank).padStart(6)}  ${file}`);
}
console.log(
  `${String(code).padStart(6)} ${String(nonBlank).padStart(6)}  total (lines of code; non-blank lines with comments)`,
);
