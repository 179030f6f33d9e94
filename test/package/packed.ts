import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** The repository root: the package as `npm pack` sees it. */
export const root = join(__dirname, '..', '..');

const execFileAsync = promisify(execFile);

/** Runs a command and returns its stdout; a failure shows the command's own output. */
export async function run(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const options = { cwd, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 } as const;
    const { stdout } = await execFileAsync(command, args, options);
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** Runs the repository's TypeScript compiler. */
export function tsc(args: string[], cwd: string): Promise<string> {
  return run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), ...args], cwd);
}

/** A file of the tarball, as `npm pack --json` lists it. */
export interface PackedFile {
  path: string;
}

/** A scratch folder outside the repository, holding the tarball and the projects that install it. */
export interface Workspace {
  dir: string;
  tarball: string;
  files: PackedFile[];
  /** Creates a project that installs the tarball and `dependencies` from the npm registry. */
  project(name: string, dependencies: string[]): Promise<string>;
  remove(): Promise<void>;
}

/**
 * Packs the package as `npm publish` would from a fresh clone: a copy of the files git tracks (or
 * would track), with no dist/, packed by a plain `npm pack`, whose `prepack` must build. Only
 * node_modules is linked from the repository, standing in for `npm ci`. The tarball lands in a
 * folder outside the repository, where nothing from the repository's node_modules is found.
 */
export async function packIntoWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'passport-dingtalk-oauth2-package-'));
  const clone = join(dir, 'fresh-clone');
  const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root);
  // A worktree's node_modules symlink is listed as untracked (`node_modules/` matches only a folder).
  const files = listed.split('\0').filter((file) => file && file !== 'node_modules' && existsSync(join(root, file)));
  for (const path of files) {
    await mkdir(dirname(join(clone, path)), { recursive: true });
    await copyFile(join(root, path), join(clone, path));
  }
  assert.ok(!existsSync(join(clone, 'dist')), 'a fresh clone has no dist/');
  await symlink(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const output = await run('npm', ['pack', '--json', '--pack-destination', dir], clone);
  const [packed] = JSON.parse(output.slice(output.search(/^\[/m))) as Array<{ filename: string; files: PackedFile[] }>;
  assert.ok(packed, 'npm pack reported no tarball');
  const tarball = join(dir, packed.filename);
  return {
    dir,
    tarball,
    files: packed.files,
    async project(name, dependencies) {
      const projectDir = join(dir, name);
      await mkdir(projectDir);
      await writeFile(join(projectDir, 'package.json'), `${JSON.stringify({ name, private: true }, null, 2)}\n`);
      const flags = ['--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error'];
      await run('npm', ['install', ...flags, tarball, ...dependencies], projectDir);
      return projectDir;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
