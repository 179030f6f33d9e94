import { paths } from './app';
import type { BenchConfig } from './config';
import type { Harness, Measured } from './harness';
import { format, printTable, section, type TargetResult } from './report';
import { alternateRounds } from './rounds';
import { median, medianInterval } from './stats';

/** The same login (same callback URL, same two DingTalk requests, same `req.login`) done six ways. */
const allRoutes = {
  strategy: { path: paths.strategyCallback, what: 'this strategy' },
  'safe floor': {
    path: paths.safeFloorCallback,
    what: 'passport + passport-oauth2, node-fetch calls with one deadline each, size bound, no redirects',
  },
  'framework floor': {
    path: paths.frameworkFloorCallback,
    what: 'the safe floor without deadline and size bound: bare node-fetch calls',
  },
  'node-fetch': { path: paths.nodeFetchCallback, what: 'hand-written route, bare node-fetch, no passport' },
  'oauth client': {
    path: paths.oauthClientCallback,
    what: "passport-oauth2 with its own `oauth` client (the npm peers' path)",
  },
  'node:http': { path: paths.nodeHttpCallback, what: 'hand-written route, raw node:http (the floor in Node)' },
  candidate: { path: paths.candidateCallback, what: 'the strategy from BENCH_CANDIDATE_LIB' },
} as const;

type Route = keyof typeof allRoutes;

/** The goal: the strategy costs at most 1.05 times the safe floor (the framework plus the same deadline and bound). */
const wantedFloorRatio = 0.95;

/**
 * 1. The app's CPU time per login, the strategy against the same login done five other ways, in
 * one app. Every round runs each route once (in a shuffled order); a ratio is taken within a round
 * (runs seconds apart see the same machine), then the median over rounds, with its spread and a
 * 95% interval. Rounds go on until every interval is narrow enough, so that two runs agree.
 */
export async function benchCallbacks(harness: Harness, config: BenchConfig): Promise<TargetResult[]> {
  const { concurrencies, warmupLogins, loginsPerRun, minRounds, maxRounds, wantedHalfWidth } = config.callback;
  section(
    `1. App CPU per login: GET /callback?authCode=…&state=… (state: false), ${loginsPerRun} logins per run, ${minRounds}–${maxRounds} paired rounds`,
  );
  // BENCH_ROUTES=strategy,candidate (a comma-separated list; the strategy is always measured).
  const chosen = process.env.BENCH_ROUTES?.split(',');
  const names = (Object.keys(allRoutes) as Route[]).filter(
    (name) =>
      (name !== 'candidate' || harness.app.candidateFrom !== undefined) &&
      (!chosen || name === 'strategy' || chosen.includes(name)),
  );
  printTable(
    ['route', 'what'],
    names.map((name) => [name, allRoutes[name].what]),
  );
  const targets: TargetResult[] = [];
  for (const connections of concurrencies) {
    for (const name of warmupLogins > 0 ? names : []) {
      await harness.logins({ path: allRoutes[name].path, connections, logins: warmupLogins });
    }
    const runs = new Map<Route, Measured[]>(names.map((name) => [name, []]));
    const ratiosOf = (name: Route, over: Route = 'strategy') =>
      (runs.get(name) as Measured[]).map(
        (run, round) => run.appCpuMicros / ((runs.get(over) as Measured[])[round] as Measured).appCpuMicros,
      );
    const halfWidth = (ratios: number[]) => {
      const [low, high] = medianInterval(ratios);
      return (high - low) / 2;
    };
    // Rounds in batches; stop once the widest 95% interval of a ratio is narrow enough.
    let rounds = 0;
    while (rounds < maxRounds) {
      const batch = Math.min(rounds === 0 ? minRounds : 10, maxRounds - rounds);
      const results = await alternateRounds(names, batch, (name) =>
        harness.logins({ path: allRoutes[name].path, connections, logins: loginsPerRun }),
      );
      for (const [name, measured] of results) (runs.get(name) as Measured[]).push(...measured);
      rounds += batch;
      const widest = Math.max(
        0,
        ...names.filter((name) => name !== 'strategy').map((name) => halfWidth(ratiosOf(name))),
      );
      if (widest <= wantedHalfWidth) break;
    }
    const medianOf = (name: Route, pick: (run: Measured) => number) => median((runs.get(name) as Measured[]).map(pick));
    const rows = names.map((name) => {
      const ratios = ratiosOf(name);
      const [low, high] = medianInterval(ratios);
      return [
        name,
        format.micros(medianOf(name, (run) => run.appCpuMicros)),
        name === 'strategy' ? '1' : format.ratio(median(ratios)),
        name === 'strategy' ? '' : format.spread(ratios),
        name === 'strategy' ? '' : `${format.ratio(low)}–${format.ratio(high)}`,
        format.rate(medianOf(name, (run) => run.perSecond)),
        format.ms(medianOf(name, (run) => run.p50Ms)),
        format.micros(medianOf(name, (run) => run.emulatorCpuMicros + run.loadCpuMicros)),
      ];
    });
    console.log(`\n  concurrency ${connections}: ${rounds} rounds`);
    printTable(
      [
        'route',
        'app CPU µs/login',
        'CPU ÷ strategy',
        'min / median / max',
        '95% interval',
        'logins/s',
        'p50 ms',
        'children CPU µs',
      ],
      rows,
    );
    for (const subject of ['strategy', 'candidate'] as const) {
      // BENCH_ROUTES may leave the safe floor out: no target then.
      if (!names.includes(subject) || !names.includes('safe floor')) continue;
      const ratios = ratiosOf('safe floor', subject);
      const ratio = median(ratios);
      targets.push({
        name: `c=${connections}: safe floor CPU ÷ ${subject} CPU`,
        measured: `${format.ratio(ratio)} (${format.spread(ratios)})`,
        target: `≥ ${wantedFloorRatio}`,
        met: ratio >= wantedFloorRatio,
      });
    }
  }
  console.log('');
  console.log("  CPU ÷ strategy: the route's app CPU per login divided by the strategy's in the same round;");
  console.log('  below 1, the route is cheaper than the strategy. Children: the emulator and the load generator,');
  console.log('  on the other core; they are not billed to the app.');
  console.log(`  Goal: safe floor CPU ÷ strategy CPU ≥ ${wantedFloorRatio}. The safe floor is the framework`);
  console.log("  floor with the strategy's deadline (10 s), size bound (1 MiB) and manual redirects on both requests.");
  return targets;
}
