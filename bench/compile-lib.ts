import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const repoRoot = join(__dirname, '..');

export interface CompiledLib {
  /** The compiled `index.js`, to require. */
  entry: string;
  remove(): void;
}

/**
 * Compiles a lib/ directory the way `npm run build` does (the repository's tsconfig, TypeScript's
 * own emitter) into a temporary directory, without touching dist/. Running lib/ through tsx
 * instead would measure esbuild's output, which wraps every named inner function in a `__name()`
 * call (tsx forces keepNames): work that users' builds do not do, billed to the strategy only.
 */
export function compileLib(sourceDir: string, packageName = 'passport-dingtalk-oauth2-under-test'): CompiledLib {
  const options = compilerOptions();
  const root = mkdtempSync(join(tmpdir(), 'passport-dingtalk-oauth2-bench-'));
  // Under a node_modules path, so that tsx leaves the compiled files alone.
  // The package name is what CPU profiles show for these files.
  const outDir = join(root, 'node_modules', packageName);
  for (const file of typeScriptFiles(sourceDir)) {
    const source = readFileSync(file, 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: options, fileName: file });
    const target = join(outDir, relative(sourceDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  // The compiled files find node-fetch and passport-oauth2 where the repository keeps them.
  symlinkSync(join(repoRoot, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  return { entry: join(outDir, 'index.js'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

function compilerOptions(): ts.CompilerOptions {
  const configFile = join(repoRoot, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, repoRoot);
  // The package is CommonJS (no "type": "module"), which is how Node16 resolution emits lib/*.ts.
  return { ...options, module: ts.ModuleKind.CommonJS, declaration: false, sourceMap: false };
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    // The emulator (testing/) runs in its own process, from the sources.
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
