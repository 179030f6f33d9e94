import { paths } from './app';
import type { BenchConfig } from './config';
import type { Harness } from './harness';
import { format, printTable, section, type TargetResult } from './report';

const wantedBytes = 1024 * 1024;
// Codes for one run travel through IPC at once; runs of this size keep that small.
const loginsPerRun = 3000;

/** 4. Heap after many logins against heap after the first ones, both after forced collections. */
export async function benchHeap(harness: Harness, config: BenchConfig): Promise<TargetResult[]> {
  if (!config.heap) {
    section('4. Heap growth: not measured in the quick run');
    return [];
  }
  const { firstLogins, totalLogins, connections } = config.heap;
  const count = (n: number) => n.toLocaleString('en-US');
  section(
    `4. Heap growth: after ${count(totalLogins)} logins vs after the first ${count(firstLogins)} (c=${connections})`,
  );
  if (!globalThis.gc) {
    console.log('  skipped: run node with --expose-gc');
    return [];
  }
  const logIn = (logins: number) => harness.logins({ path: paths.strategyCallback, connections, logins });
  await logIn(firstLogins);
  const first = (await harness.settledHeapBytes()) as number;
  for (let done = firstLogins; done < totalLogins; done += loginsPerRun) {
    await logIn(Math.min(loginsPerRun, totalLogins - done));
  }
  const last = (await harness.settledHeapBytes()) as number;
  const growth = last - first;
  console.log('  The session store is emptied before each reading: MemoryStore keeps every session by design.');
  printTable(
    ['after', 'heap used'],
    [
      [`${count(firstLogins)} logins`, format.megabytes(first)],
      [`${count(totalLogins)} logins`, format.megabytes(last)],
      ['growth', format.megabytes(growth)],
    ],
  );
  return [
    {
      name: `heap growth, ${count(firstLogins)} → ${count(totalLogins)} logins`,
      measured: format.megabytes(growth),
      target: '< 1.00 MB',
      met: growth < wantedBytes,
    },
  ];
}
