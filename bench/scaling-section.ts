import { paths } from './app';
import type { BenchConfig } from './config';
import type { Harness } from './harness';
import { format, printTable, section, type TargetResult } from './report';

/** 5. Latency and logins/s through the strategy as concurrency grows on this machine. */
export async function benchScaling(harness: Harness, config: BenchConfig): Promise<TargetResult[]> {
  const { concurrencies, warmupLogins, secondsPerRun, minLoginsPerConnection } = config.scaling;
  section('5. Strategy logins by concurrency (latency as autocannon sees it, loopback, no added latency)');
  const rows: string[][] = [];
  for (const connections of concurrencies) {
    const path = paths.strategyCallback;
    // The path is hot by now; the warm-up opens the connections, here and to DingTalk.
    const warm =
      warmupLogins > 0
        ? await harness.logins({ path, connections, logins: Math.max(warmupLogins, connections * 2) })
        : undefined;
    const logins = Math.max(connections * minLoginsPerConnection, Math.round((warm?.perSecond ?? 0) * secondsPerRun));
    const run = await harness.logins({ path, connections, logins });
    rows.push([
      String(connections),
      String(logins),
      format.rate(run.perSecond),
      format.ms(run.p50Ms),
      format.ms(run.p99Ms),
      format.micros(run.appCpuMicros),
      format.micros(run.emulatorCpuMicros + run.loadCpuMicros),
    ]);
  }
  printTable(['conc', 'logins', 'logins/s', 'p50 ms', 'p99 ms', 'app CPU µs', 'emulator+loadgen CPU µs'], rows);
  return [];
}
