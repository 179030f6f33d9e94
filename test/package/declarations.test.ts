import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { root } from './packed';

// What an editor shows on hover comes from the TSDoc in the built declarations: every name the
// package exports, and every public member of its classes and interfaces, must have one.
const entries = ['dist/index.d.ts', 'dist/index.d.mts', 'dist/testing/index.d.ts', 'dist/testing/index.d.mts'];

function undocumented(): string[] {
  const program = ts.createProgram(
    entries.map((entry) => join(root, entry)),
    { strict: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const missing = new Set<string>();
  const documented = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).length > 0;
  const isPrivate = (node: ts.Node) =>
    (ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : []).some(
      (modifier) => modifier.kind === ts.SyntaxKind.PrivateKeyword,
    ) ||
    (ts.isClassElement(node) && node.name !== undefined && ts.isPrivateIdentifier(node.name));

  for (const entry of entries) {
    const source = program.getSourceFile(join(root, entry));
    assert.ok(source, `${entry} is missing: run \`npm run build\` first`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    assert.ok(moduleSymbol);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const declaration of symbol.declarations ?? []) {
        const statement = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
        if (!documented(statement)) missing.add(symbol.name);
        if (!ts.isClassDeclaration(declaration) && !ts.isInterfaceDeclaration(declaration)) continue;
        for (const member of declaration.members) {
          if (isPrivate(member) || documented(member)) continue;
          const name = ts.isConstructorDeclaration(member) ? 'constructor' : (member.name?.getText() ?? '(unnamed)');
          missing.add(`${symbol.name}.${name}`);
        }
      }
    }
  }
  return [...missing].sort();
}

describe('the built declarations', () => {
  it('document every exported name and every public member with TSDoc', () => {
    assert.deepEqual(undocumented(), []);
  });
});
