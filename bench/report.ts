import { median } from './stats';

/** A target and whether this run met it. Timings are reported, never enforced. */
export interface TargetResult {
  name: string;
  measured: string;
  target: string;
  met: boolean;
}

/** Prints rows under a header, columns padded to their widest cell; numbers align right. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return /^[-+]?[\d.,]+( [a-zA-Z%µ]+)?$|^[\d.]+–[\d.]+$/.test(cell) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  console.log(`  ${line(header)}`);
  console.log(`  ${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const row of rows) console.log(`  ${line(row)}`);
}

export function section(title: string): void {
  console.log(`\n${title}`);
}

export const format = {
  rate: (perSecond: number) => Math.round(perSecond).toLocaleString('en-US'),
  ms: (ms: number) => ms.toFixed(2),
  micros: (micros: number) => Math.round(micros).toLocaleString('en-US'),
  ratio: (ratio: number) => ratio.toFixed(3),
  range: (values: readonly number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`,
  /** min / median / max */
  spread: (values: readonly number[]) =>
    [Math.min(...values), median(values), Math.max(...values)].map((value) => value.toFixed(3)).join(' / '),
  megabytes: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`,
};

export function printTargets(targets: readonly TargetResult[]): void {
  printTable(
    ['target', 'measured', 'wanted', 'met'],
    targets.map((target) => [target.name, target.measured, target.target, target.met ? 'yes' : 'NO']),
  );
}
