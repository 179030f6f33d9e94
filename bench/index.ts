// `npm run bench`: how much the strategy adds to a DingTalk login. Run with --expose-gc for the heap
// figure; BENCH_QUICK=1 for the short version CI runs, which fails only on failed logins or wrong
// counts, never on a timing.
import { cpus, loadavg } from 'node:os';
import { benchAuthorize } from './authorize-section';
import { benchCallbacks } from './callback-section';
import { benchConfig } from './config';
import { benchConnections } from './connections-section';
import { Harness } from './harness';
import { benchHeap } from './heap-section';
import { benchOverhead } from './overhead-section';
import { printTargets, section, type TargetResult } from './report';
import { benchScaling } from './scaling-section';

async function main(): Promise<number> {
  const config = benchConfig(process.env, process.argv.slice(2));
  const started = performance.now();
  const harness = await Harness.start();
  console.log(
    `passport-dingtalk-oauth2 benchmark${config.quick ? ' (BENCH_QUICK: counts are checked, timings mean little)' : ''}`,
  );
  console.log(`  node ${process.version}, ${cpus().length} CPUs, strategy from ${harness.app.strategyFrom}`);
  console.log('  processes: app (Express 5 + express-session + passport + strategy) here; emulator and autocannon');
  console.log('  in one child process each, so the app is billed only for its own work.');
  // Other processes on the machine are the main source of noise: say how busy it was.
  console.log(`  started in ${seconds(started)} s; load average (1 min) ${loadAverage()}`);
  const targets: TargetResult[] = [];
  const parts = {
    callbacks: benchCallbacks,
    authorize: benchAuthorize,
    connections: benchConnections,
    heap: benchHeap,
    scaling: benchScaling,
    overhead: benchOverhead,
  };
  // BENCH_ONLY=callbacks (a comma-separated list) runs some parts, to try a patch quickly.
  const only = process.env.BENCH_ONLY?.split(',');
  try {
    for (const [name, part] of Object.entries(parts)) {
      if (only && !only.includes(name)) continue;
      const partStarted = performance.now();
      targets.push(...(await part(harness, config)));
      console.log(`  (${seconds(partStarted)} s)`);
    }
  } finally {
    await harness.stop();
  }

  section('Targets (reported, not enforced: timings never fail a run)');
  printTargets(targets);
  const failures = [...harness.failures, ...harness.app.errors];
  section(`Checks: ${failures.length === 0 ? 'every login and redirect answered as expected' : 'FAILED'}`);
  for (const failure of failures) console.log(`  ${failure}`);
  console.log(`\nTook ${seconds(started)} s; load average (1 min) at the end ${loadAverage()}.`);
  return failures.length === 0 ? 0 : 1;
}

function loadAverage(): string {
  return (loadavg()[0] as number).toFixed(2);
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
