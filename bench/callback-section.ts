import { paths } from './app';
import type { BenchConfig } from './config';
import type { Harness, Measured } from './harness';
import { format, printTable, section, type TargetResult } from './report';
import { alternateRounds } from './rounds';
import { median } from './stats';

const allRoutes = {
  strategy: paths.strategyCallback,
  'node-fetch': paths.nodeFetchCallback,
  'node:http': paths.nodeHttpCallback,
  candidate: paths.candidateCallback,
} as const;

type Route = keyof typeof allRoutes;

interface Comparison {
  subject: Route;
  baseline: Route;
  /** The target, for the strategy itself; a candidate's ratios are shown against the same. */
  wanted?: number;
}

const comparisons: Comparison[] = [
  { subject: 'strategy', baseline: 'node-fetch', wanted: 0.95 },
  { subject: 'strategy', baseline: 'node:http', wanted: 0.9 },
  { subject: 'candidate', baseline: 'node-fetch', wanted: 0.95 },
  { subject: 'candidate', baseline: 'node:http', wanted: 0.9 },
  { subject: 'candidate', baseline: 'strategy' },
];

/** 1. Callback logins per second through the strategy, against hand-written logins in the same app. */
export async function benchCallbacks(harness: Harness, config: BenchConfig): Promise<TargetResult[]> {
  const { concurrencies, warmupLogins, secondsPerRun, minLoginsPerRun } = config.callback;
  section(
    `1. Callback logins/s: GET /callback?authCode=…&state=… (state: false), median of ${config.rounds} alternating rounds`,
  );
  const names = (Object.keys(allRoutes) as Route[]).filter(
    (name) => name !== 'candidate' || harness.app.candidateFrom !== undefined,
  );
  if (harness.app.candidateFrom) console.log(`  candidate: the strategy compiled from ${harness.app.candidateFrom}`);
  const rows: string[][] = [];
  const ratioRows: string[][] = [];
  const targets: TargetResult[] = [];
  for (const connections of concurrencies) {
    // Warm every route up, and size the runs after the slowest so that each lasts about secondsPerRun.
    let slowest = warmupLogins > 0 ? Number.POSITIVE_INFINITY : 0;
    for (const name of warmupLogins > 0 ? names : []) {
      const warm = await harness.logins({ path: allRoutes[name], connections, logins: warmupLogins });
      slowest = Math.min(slowest, warm.perSecond);
    }
    const logins = Math.max(minLoginsPerRun, connections * 4, Math.round(slowest * secondsPerRun));
    const results = await alternateRounds(names, config.rounds, (name) =>
      harness.logins({ path: allRoutes[name], connections, logins }),
    );
    const runs = (name: Route) => results.get(name) as Measured[];
    const medianOf = (name: Route, pick: (run: Measured) => number) => median(runs(name).map(pick));
    for (const name of names) {
      rows.push([
        String(connections),
        name,
        format.rate(medianOf(name, (run) => run.perSecond)),
        format.ms(medianOf(name, (run) => run.p50Ms)),
        format.ms(medianOf(name, (run) => run.p99Ms)),
        format.micros(medianOf(name, (run) => run.appCpuMicros)),
        format.micros(medianOf(name, (run) => run.emulatorCpuMicros)),
        format.micros(medianOf(name, (run) => run.loadCpuMicros)),
      ]);
    }
    for (const { subject, baseline, wanted } of comparisons) {
      if (!names.includes(subject)) continue;
      // Runs of one round follow each other: their ratio cancels what the machine did meanwhile.
      const perRound = (ratioOf: (mine: Measured, theirs: Measured) => number) =>
        runs(subject).map((run, round) => ratioOf(run, runs(baseline)[round] as Measured));
      const ratios = perRound((mine, theirs) => mine.perSecond / theirs.perSecond);
      const ratio = median(ratios);
      const cpuRatio = median(perRound((mine, theirs) => theirs.appCpuMicros / mine.appCpuMicros));
      const cpu = (name: Route) => medianOf(name, (run) => run.appCpuMicros);
      const addedCpu = cpu(subject) - cpu(baseline);
      ratioRows.push([
        String(connections),
        `${subject} / ${baseline}`,
        format.ratio(ratio),
        format.range(ratios),
        format.ratio(cpuRatio),
        `${addedCpu >= 0 ? '+' : '-'}${format.micros(Math.abs(addedCpu))} µs`,
        wanted === undefined ? '' : `≥ ${wanted}`,
        wanted === undefined ? '' : ratio >= wanted ? 'yes' : 'NO',
      ]);
      if (subject === 'strategy' && wanted !== undefined) {
        targets.push({
          name: `callback c=${connections}: strategy / ${baseline}`,
          measured: format.ratio(ratio),
          target: `≥ ${wanted}`,
          met: ratio >= wanted,
        });
      }
    }
  }
  console.log('  CPU columns: µs of CPU per login spent in each process.');
  printTable(['conc', 'route', 'logins/s', 'p50 ms', 'p99 ms', 'app CPU', 'emulator CPU', 'loadgen CPU'], rows);
  console.log('');
  console.log('  CPU ratio: app CPU per login of the baseline / of the subject, median over rounds; it moves less');
  console.log('  with the load of other processes than logins/s does.');
  printTable(['conc', 'logins/s ratio', 'median', 'rounds', 'CPU ratio', 'app CPU added', 'wanted', 'met'], ratioRows);
  return targets;
}
