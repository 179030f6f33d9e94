/** Self time from V8 CPU profiles (the .cpuprofile format), per package and per function. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time summed over one or more profiles, and the requests they covered. */
export interface SelfTime {
  requests: number;
  busyMicros: number;
  byPackage: Map<string, number>;
  byFunction: Map<string, number>;
}

export function emptySelfTime(): SelfTime {
  return { requests: 0, busyMicros: 0, byPackage: new Map(), byFunction: new Map() };
}

/** Adds a profile's samples: each sample's delta is self time of the frame on top of the stack. */
export function addProfile(into: SelfTime, profile: CpuProfile, requests: number): void {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const add = (map: Map<string, number>, key: string, micros: number) => map.set(key, (map.get(key) ?? 0) + micros);
  into.requests += requests;
  (profile.samples ?? []).forEach((id, i) => {
    const frame = frames.get(id) as CallFrame;
    const pkg = packageOf(frame);
    if (pkg === '(idle)') return;
    const micros = profile.timeDeltas?.[i] ?? 0;
    into.busyMicros += micros;
    add(into.byPackage, pkg, micros);
    add(into.byFunction, `${functionKey(frame)}  [${pkg}]`, micros);
  });
}

/** Prints µs per request by package and by function; with `other`, sorted by the difference. */
export function printSelfTime(mine: SelfTime, other: SelfTime | undefined, top: number): void {
  const per = (micros: number, of: SelfTime) => micros / Math.max(1, of.requests);
  const show = (micros: number) => `${micros.toFixed(1).padStart(8)} µs`;
  const print = (title: string, pick: (summary: SelfTime) => Map<string, number>, limit: number) => {
    console.log(`\n${title}`);
    const keys = new Set([...pick(mine).keys(), ...(other ? pick(other).keys() : [])]);
    const rows = [...keys].map((key) => {
      const micros = per(pick(mine).get(key) ?? 0, mine);
      return { key, micros, delta: micros - (other ? per(pick(other).get(key) ?? 0, other) : 0) };
    });
    rows.sort((a, b) => (other ? b.delta - a.delta : b.micros - a.micros));
    for (const row of rows.slice(0, limit)) {
      const delta = other ? `  ${row.delta >= 0 ? '+' : '-'}${show(Math.abs(row.delta)).trimStart().padStart(11)}` : '';
      console.log(`  ${show(row.micros)}${delta}  ${row.key}`);
    }
  };
  const versus = other ? `, the other ${show(per(other.busyMicros, other)).trim()}` : '';
  console.log(`busy ${show(per(mine.busyMicros, mine)).trim()} per request${versus} (idle left out)`);
  const diff = other ? ', then the difference from the other' : '';
  print(`Self time per request by package${diff}:`, (summary) => summary.byPackage, 30);
  print(`Top ${top} functions${other ? ' by difference' : ''}:`, (summary) => summary.byFunction, top);
}

/** Which package a frame belongs to, by its script URL. */
function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.includes('/bench/')) return 'bench/';
  const modules = url.split('/node_modules/');
  if (modules.length > 1) {
    const parts = (modules[modules.length - 1] as string).split('/');
    return (parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]) as string;
  }
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

function functionKey(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(lib|bench)\//, '$1/');
  // tsx compiles .ts files on the fly, so their line numbers are off; the name and file are enough.
  const line = file.endsWith('.ts') ? '' : `:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'} ${file}${line}`;
}

/** The name the compiled strategy has in profiles (see compile-lib.ts). */
const strategyPackage = 'passport-dingtalk-oauth2-under-test';

/**
 * The strategy's run-time dependencies and theirs (package.json `dependencies`, followed through
 * node_modules), so that a profile can say what the strategy itself costs and what it pulls in.
 */
export function runtimeDependencies(repoRoot: string): Set<string> {
  const found = new Set<string>();
  const visit = (packageJson: string) => {
    const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (found.has(name) || name.startsWith('@types/')) continue;
      found.add(name);
      visit(join(repoRoot, 'node_modules', name, 'package.json'));
    }
  };
  visit(join(repoRoot, 'package.json'));
  return found;
}

/** Prints the `top` functions by self time of the strategy's own code, then of its dependencies. */
export function printStrategyTop(summary: SelfTime, dependencies: ReadonlySet<string>, top: number): void {
  const entries = [...summary.byFunction].map(([key, micros]) => ({
    key,
    pkg: key.slice(key.lastIndexOf('[') + 1, -1),
    micros: micros / Math.max(1, summary.requests),
  }));
  const print = (title: string, keep: (pkg: string) => boolean) => {
    const chosen = entries.filter((entry) => keep(entry.pkg)).sort((a, b) => b.micros - a.micros);
    const total = chosen.reduce((sum, entry) => sum + entry.micros, 0);
    console.log(`\n${title}: ${total.toFixed(1)} µs per request in all; top ${top}:`);
    for (const entry of chosen.slice(0, top)) console.log(`  ${entry.micros.toFixed(1).padStart(8)} µs  ${entry.key}`);
  };
  print("Self time of the strategy's own code", (pkg) => pkg === strategyPackage);
  print(`Self time of its dependencies (${[...dependencies].sort().join(', ')})`, (pkg) => dependencies.has(pkg));
}
