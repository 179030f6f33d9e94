import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Compiles a NestJS example (`example/<name>`) with tsc, strict, as test/frameworks/tsconfig.<name>.json
 * says: Nest needs the decorator metadata only tsc emits. The output goes to a scratch folder inside
 * the repository, where 'passport-dingtalk-oauth2' and the Nest packages resolve as they would in an
 * app; a type error in the example fails here. Returns its create-app module and a way to remove it.
 */
export async function compileNestExample<T>(name: 'nestjs' | 'nestjs-fastify'): Promise<{
  example: T;
  remove(): Promise<void>;
}> {
  await mkdir(join(root, '.tmp'), { recursive: true });
  const outDir = await mkdtemp(join(root, '.tmp', `${name}-example-`));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const project = join(root, 'test', 'frameworks', `tsconfig.${name}.json`);
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', project, '--outDir', outDir], { cwd: root });
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`tsc could not compile example/${name}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
  const example = (await import(pathToFileURL(join(outDir, 'create-app.mjs')).href)) as T;
  return { example, remove: () => rm(outDir, { recursive: true, force: true }) };
}
