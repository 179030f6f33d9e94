// Self time of .cpuprofile files (from `node --cpu-prof` or bench/profile.ts), per package and per
// function, per request; with --versus, the difference from another profile, largest first:
//   node --import tsx bench/profile-summary.ts a.cpuprofile --requests N [--versus b.cpuprofile --versus-requests M]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { addProfile, type CpuProfile, emptySelfTime, printSelfTime, type SelfTime } from './cpu-profile';

function load(file: string, requests: number): SelfTime {
  const summary = emptySelfTime();
  addProfile(summary, JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, requests);
  return summary;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string' },
    versus: { type: 'string' },
    'versus-requests': { type: 'string' },
    top: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: profile-summary.ts <file> [--requests N] [--versus <file> [--versus-requests N]] [--top N]');
  process.exit(2);
}
const requests = Number(values.requests ?? 1);
const other = values.versus ? load(values.versus, Number(values['versus-requests'] ?? requests)) : undefined;
printSelfTime(load(file, requests), other, Number(values.top ?? 40));
