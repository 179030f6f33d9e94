/** How much each part runs: the full run stays under two minutes on 2 cores, the quick one a few seconds. */
export interface BenchConfig {
  quick: boolean;
  /** Alternating rounds per comparison; the reported figure is the median. */
  rounds: number;
  callback: {
    concurrencies: number[];
    warmupLogins: number;
    loginsPerRun: number;
    /** Paired rounds: at least, at most, and the 95% half-width of every ratio that ends them early. */
    minRounds: number;
    maxRounds: number;
    wantedHalfWidth: number;
  };
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
  callback: {
    concurrencies: (process.env.BENCH_CONCURRENCY ?? '1,8').split(',').map((value) => {
      const connections = Number(value);
      if (!Number.isInteger(connections) || connections < 1) throw new Error(`BENCH_CONCURRENCY: ${value}?`);
      return connections;
    }),
    warmupLogins: 300,
    loginsPerRun: wholeNumber('BENCH_LOGINS_PER_RUN', 300, 10),
    minRounds: wholeNumber('BENCH_MIN_ROUNDS', 40, 6),
    maxRounds: wholeNumber('BENCH_MAX_ROUNDS', 120, 6),
    wantedHalfWidth: 0.012,
  },
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
  callback: {
    concurrencies: [1, 8],
    warmupLogins: 0,
    loginsPerRun: 50,
    minRounds: 1,
    maxRounds: 1,
    wantedHalfWidth: 1,
  },
  authorize: { connections: 16, warmupSeconds: 0, secondsPerRun: 0.1 },
  sequentialLogins: 100,
  scaling: { concurrencies: [1, 8, 64, 256], warmupLogins: 0, secondsPerRun: 0, minLoginsPerConnection: 1 },
  overhead: { rounds: 2, loginsPerRound: 200 },
};

/** A whole number from the environment, at least `least` (fewer rounds cannot give a 95% interval). */
function wholeNumber(name: string, fallback: number, least: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < least) throw new Error(`${name} must be a whole number, at least ${least}`);
  return value;
}

/** The quick run with `BENCH_QUICK=1` or `--quick`, the full one otherwise. */
export function benchConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): BenchConfig {
  if (full.callback.maxRounds < full.callback.minRounds) throw new Error('BENCH_MAX_ROUNDS is below BENCH_MIN_ROUNDS');
  return env.BENCH_QUICK === '1' || argv.includes('--quick') ? quick : full;
}
