import { paths } from './app';
import type { BenchConfig } from './config';
import type { Harness, Measured } from './harness';
import { format, printTable, section, type TargetResult } from './report';
import { alternateRounds } from './rounds';
import { median, medianInterval } from './stats';

/**
 * The same login (same callback URL, same two DingTalk requests, same `req.login`) done six ways;
 * and the strategy with memberLookup, which makes two more requests.
 */
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
  'member lookup': {
    path: paths.memberLookupCallback,
    what: 'this strategy with memberLookup: true (details included): 4 DingTalk requests per login, not 2',
    memberLookup: true,
  },
} as const satisfies Record<string, RouteSpec>;

interface RouteSpec {
  path: string;
  what: string;
  /** Codes with the organization, and two more DingTalk requests per login (see Harness.logins). */
  memberLookup?: boolean;
}

type Route = keyof typeof allRoutes;

/** One run of `logins` on the route. */
function loginsOn(name: Route, connections: number, logins: number) {
  const { path, memberLookup } = allRoutes[name] as RouteSpec;
  return { path, connections, logins, memberLookup: memberLookup === true };
}

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
  if (names.includes('member lookup')) {
    // The app token is fetched once for the whole run (the strategy caches it per app): here,
    // before anything is measured, so that every measured member lookup is the steady state.
    await harness.logins(loginsOn('member lookup', 1, 1));
  }
  for (const connections of concurrencies) {
    for (const name of warmupLogins > 0 ? names : []) {
      await harness.logins(loginsOn(name, connections, warmupLogins));
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
        harness.logins(loginsOn(name, connections, loginsPerRun)),
      );
      for (const [name, measured] of results) (runs.get(name) as Measured[]).push(...measured);
      rounds += batch;
      // The member lookup's ratio is well above 1 and its noise grows with it: its interval is
      // taken relative to its median, as wide as the others' would be at a ratio of 1.
      const widest = Math.max(
        0,
        ...names
          .filter((name) => name !== 'strategy')
          .map((name) => {
            const ratios = ratiosOf(name);
            return name === 'member lookup' ? halfWidth(ratios) / median(ratios) : halfWidth(ratios);
          }),
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
    if (names.includes('member lookup')) {
      const ratios = ratiosOf('member lookup');
      const [low, high] = medianInterval(ratios);
      const on = medianOf('member lookup', (run) => run.appCpuMicros);
      const off = medianOf('strategy', (run) => run.appCpuMicros);
      console.log(
        `  memberLookup (4 DingTalk requests per login against 2): app CPU ${format.micros(on)} µs/login on, ${format.micros(off)} off; ` +
          `on ÷ off ${format.ratio(median(ratios))} (min / median / max ${format.spread(ratios)}; 95% ${format.ratio(low)}–${format.ratio(high)})`,
      );
    }
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
  if (names.includes('member lookup')) {
    console.log(
      '  Member lookup: the strategy with memberLookup: true, so its CPU ÷ strategy is memberLookup on ÷ off.',
    );
    console.log('  Its logins make 4 DingTalk requests (token, profile, getbyunionid, user/get) against 2 for every');
    console.log('  other route; the app token, cached per app in the process, was fetched once before the measured');
    console.log(`  logins (app token requests so far in this run: ${harness.appTokenRequests}).`);
  }
  console.log(`  Goal: safe floor CPU ÷ strategy CPU ≥ ${wantedFloorRatio}. The safe floor is the framework`);
  console.log("  floor with the strategy's deadline (10 s), size bound (1 MiB) and manual redirects on both requests.");
  return targets;
}
