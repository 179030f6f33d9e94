import { get } from 'node:http';
import { paths } from './app';
import type { BenchConfig } from './config';
import type { Harness, Measured } from './harness';
import { format, printTable, section, type TargetResult } from './report';
import { alternateRounds } from './rounds';
import { median } from './stats';

const pairs = [
  { label: 'state: true (session)', strategy: paths.strategyLogin, bare: paths.bareLogin },
  { label: 'no state', strategy: paths.strategyLoginStateless, bare: paths.bareLoginStateless },
] as const;

const wanted = 0.9;

/** 2. Redirects to DingTalk's authorize page through the strategy, against a bare route. */
export async function benchAuthorize(harness: Harness, config: BenchConfig): Promise<TargetResult[]> {
  const { connections, secondsPerRun, warmupSeconds } = config.authorize;
  section(`2. Authorize redirects/s: GET /login → 302, ${connections} connections, median of ${config.rounds} rounds`);
  for (const pair of pairs) await checkSameURL(harness, pair.strategy, pair.bare);
  const allPaths: string[] = pairs.flatMap((pair) => [pair.strategy, pair.bare]);
  if (warmupSeconds > 0) {
    for (const path of allPaths) await harness.pages({ path, connections, seconds: warmupSeconds, expectStatus: 302 });
  }
  const results = await alternateRounds(allPaths, config.rounds, (path) =>
    harness.pages({ path, connections, seconds: secondsPerRun, expectStatus: 302 }),
  );
  const runs = (path: string) => results.get(path) as Measured[];
  const rows: string[][] = [];
  const targets: TargetResult[] = [];
  for (const pair of pairs) {
    const perRound = (ratioOf: (mine: Measured, theirs: Measured) => number) =>
      runs(pair.strategy).map((run, round) => ratioOf(run, runs(pair.bare)[round] as Measured));
    const ratios = perRound((mine, theirs) => mine.perSecond / theirs.perSecond);
    const ratio = median(ratios);
    const cpuRatio = median(perRound((mine, theirs) => theirs.appCpuMicros / mine.appCpuMicros));
    for (const [route, path] of [
      ['strategy', pair.strategy],
      ['bare route', pair.bare],
    ] as const) {
      const measured = runs(path);
      rows.push([
        pair.label,
        `${route} ${path}`,
        format.rate(median(measured.map((run) => run.perSecond))),
        format.ms(median(measured.map((run) => run.p50Ms))),
        format.micros(median(measured.map((run) => run.appCpuMicros))),
        route === 'strategy' ? format.ratio(ratio) : '',
        route === 'strategy' ? format.range(ratios) : '',
        route === 'strategy' ? format.ratio(cpuRatio) : '',
      ]);
    }
    targets.push({
      name: `authorize (${pair.label}): strategy / bare`,
      measured: format.ratio(ratio),
      target: `≥ ${wanted}`,
      met: ratio >= wanted,
    });
  }
  printTable(['state', 'route', 'redirects/s', 'p50 ms', 'app CPU µs', 'ratio', 'rounds', 'CPU ratio'], rows);
  return targets;
}

/** The comparison means something only if both routes send the browser to the same place. */
async function checkSameURL(harness: Harness, strategyPath: string, barePath: string): Promise<void> {
  const [fromStrategy, fromBare] = await Promise.all([
    locationOf(harness.app.origin + strategyPath),
    locationOf(harness.app.origin + barePath),
  ]);
  const comparable = (location: string) => {
    const url = new URL(location);
    const state = url.searchParams.get('state');
    url.searchParams.delete('state');
    url.searchParams.sort();
    return `${url.href} state:${state === null ? 'none' : state.length}`;
  };
  if (comparable(fromStrategy) !== comparable(fromBare)) {
    harness.failures.push(`${strategyPath} and ${barePath} redirect differently:\n  ${fromStrategy}\n  ${fromBare}`);
  }
}

function locationOf(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      response.resume();
      const location = response.headers.location;
      if (response.statusCode === 302 && location) resolve(location);
      else reject(new Error(`${url} answered ${response.statusCode} without a redirect`));
    }).on('error', reject);
  });
}
