import { paths } from './app';
import type { BenchConfig } from './config';
import type { Harness } from './harness';
import { printTable, section, type TargetResult } from './report';

const wanted = 2;

/** 3. TCP connections DingTalk accepts during sequential logins: keep-alive must hold. */
export async function benchConnections(harness: Harness, config: BenchConfig): Promise<TargetResult[]> {
  const logins = config.sequentialLogins;
  section(`3. TCP connections the emulator accepted during ${logins.toLocaleString('en-US')} sequential logins`);
  const connections = await harness.connectionsDuring(() =>
    harness.logins({ path: paths.freshStrategyCallback, connections: 1, logins }),
  );
  printTable(
    ['route', 'logins', 'connections'],
    [['strategy (empty pool at start)', String(logins), String(connections)]],
  );
  // A count, not a timing: more connections means keep-alive broke, which every run must catch.
  if (connections > wanted) harness.failures.push(`${logins} sequential logins opened ${connections} connections`);
  return [
    {
      name: `connections for ${logins} sequential logins`,
      measured: String(connections),
      target: `≤ ${wanted}`,
      met: connections <= wanted,
    },
  ];
}
