// Profiles the app process while a route is under load, warm-up excluded:
//   node --import tsx bench/profile.ts strategy [--versus safe-floor] [--requests 12000] [--out dir]
// With --versus, short runs of the two routes alternate, each profiled on its own, so that both
// see the same machine; the summary then lists what the first costs more, function by function.
// The files written have the format of `node --cpu-prof` (open them in Chrome DevTools); the
// inspector is used instead so that only the measured requests are profiled, not startup,
// compilation and JIT warm-up. Only this process is profiled: the emulator and autocannon run in
// children. Route `candidate` needs BENCH_CANDIDATE_LIB, as in index.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { paths } from './app';
import {
  addProfile,
  type CpuProfile,
  emptySelfTime,
  printSelfTime,
  printStrategyTop,
  runtimeDependencies,
  type SelfTime,
} from './cpu-profile';
import { Harness, type Measured } from './harness';

/** Callbacks need a code per request; the authorize routes do not. */
const routes: Record<string, { path: string; login: boolean; memberLookup?: boolean }> = {
  strategy: { path: paths.strategyCallback, login: true },
  'member-lookup': { path: paths.memberLookupCallback, login: true, memberLookup: true },
  candidate: { path: paths.candidateCallback, login: true },
  'safe-floor': { path: paths.safeFloorCallback, login: true },
  'framework-floor': { path: paths.frameworkFloorCallback, login: true },
  'oauth-client': { path: paths.oauthClientCallback, login: true },
  'node-fetch': { path: paths.nodeFetchCallback, login: true },
  'node-http': { path: paths.nodeHttpCallback, login: true },
  'strategy-authorize': { path: paths.strategyLogin, login: false },
  'bare-authorize': { path: paths.bareLogin, login: false },
  'strategy-authorize-stateless': { path: paths.strategyLoginStateless, login: false },
  'bare-authorize-stateless': { path: paths.bareLoginStateless, login: false },
};

const connections = 16;
const rounds = 8;
// Finer than --cpu-prof's default 1 ms: a login costs about one.
const samplingMicros = 250;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { versus: { type: 'string' }, requests: { type: 'string' }, out: { type: 'string' } },
  });
  const names = [positionals[0] ?? 'strategy', ...(values.versus ? [values.versus] : [])];
  const total = Number(values.requests ?? 12_000);
  const outDir = values.out ?? join(tmpdir(), 'passport-dingtalk-oauth2-profiles');
  if (names.some((name) => !routes[name]) || !Number.isInteger(total) || total <= 0) {
    console.error(`usage: profile.ts <route> [--versus <route>] [--requests N] [--out dir]
routes: ${Object.keys(routes).join(', ')}`);
    return 2;
  }
  const harness = await Harness.start();
  const session = new Session();
  session.connect();
  const perRun = Math.ceil(total / rounds);
  const run = (name: string, requests: number): Promise<Measured> => {
    const route = routes[name] as { path: string; login: boolean; memberLookup?: boolean };
    return route.login
      ? harness.logins({ path: route.path, connections, logins: requests, memberLookup: route.memberLookup === true })
      : harness.pages({ path: route.path, connections, seconds: requests / 2000, expectStatus: 302 });
  };
  const selfTimes = new Map<string, SelfTime>(names.map((name) => [name, emptySelfTime()]));
  try {
    for (const name of names) await run(name, perRun);
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: samplingMicros });
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        await session.post('Profiler.start');
        const measured = await run(name, perRun);
        const { profile } = await session.post('Profiler.stop');
        addProfile(selfTimes.get(name) as SelfTime, profile as CpuProfile, measured.completed);
        if (round === rounds - 1) {
          mkdirSync(outDir, { recursive: true });
          writeFileSync(join(outDir, `${name}.cpuprofile`), JSON.stringify(profile));
        }
      }
    }
  } finally {
    session.disconnect();
    await harness.stop();
  }
  const [first, second] = names.map((name) => selfTimes.get(name) as SelfTime);
  console.log(`${names.join(' vs ')}: ${rounds} profiled runs each, c=${connections}; last run of each in ${outDir}`);
  printSelfTime(first as SelfTime, second, 40);
  printStrategyTop(first as SelfTime, runtimeDependencies(join(__dirname, '..')), 5);
  const failures = [...harness.failures, ...harness.app.errors];
  for (const failure of failures) console.error(failure);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
