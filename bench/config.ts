/** How much each part runs: the full run stays under two minutes on 2 cores, the quick one a few seconds. */
export interface BenchConfig {
  quick: boolean;
  /** Alternating rounds per comparison; the reported figure is the median. */
  rounds: number;
  callback: { concurrencies: number[]; warmupLogins: number; secondsPerRun: number; minLoginsPerRun: number };
  authorize: { connections: number; warmupSeconds: number; secondsPerRun: number };
  /** Logins, one after the other, through a strategy whose keep-alive pool starts empty. */
  sequentialLogins: number;
  /** Absent: not measured (the quick run is too short for a heap figure to mean anything). */
  heap?: { firstLogins: number; totalLogins: number; connections: number };
  scaling: { concurrencies: number[]; warmupLogins: number; secondsPerRun: number; minLoginsPerConnection: number };
  /** The strategy's code alone, in this process, without sockets. */
  overhead: { rounds: number; loginsPerRound: number };
}

const full: BenchConfig = {
  quick: false,
  rounds: 9,
  callback: { concurrencies: [1, 16], warmupLogins: 300, secondsPerRun: 0.3, minLoginsPerRun: 100 },
  authorize: { connections: 16, warmupSeconds: 0.3, secondsPerRun: 0.3 },
  sequentialLogins: 1000,
  heap: { firstLogins: 1000, totalLogins: 10_000, connections: 16 },
  scaling: { concurrencies: [1, 8, 64, 256], warmupLogins: 100, secondsPerRun: 1, minLoginsPerConnection: 10 },
  overhead: { rounds: 12, loginsPerRound: 3000 },
};

// Every route and every count is checked; the timings are too short to mean much.
const quick: BenchConfig = {
  quick: true,
  rounds: 1,
  callback: { concurrencies: [1, 16], warmupLogins: 0, secondsPerRun: 0, minLoginsPerRun: 50 },
  authorize: { connections: 16, warmupSeconds: 0, secondsPerRun: 0.1 },
  sequentialLogins: 100,
  scaling: { concurrencies: [1, 8, 64, 256], warmupLogins: 0, secondsPerRun: 0, minLoginsPerConnection: 1 },
  overhead: { rounds: 2, loginsPerRound: 200 },
};

/** The quick run with `BENCH_QUICK=1` or `--quick`, the full one otherwise. */
export function benchConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): BenchConfig {
  return env.BENCH_QUICK === '1' || argv.includes('--quick') ? quick : full;
}
