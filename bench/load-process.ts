// The browsers, in their own process: autocannon's CPU time must not be billed to the app.
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { answerCalls } from './ipc';
import { percentile } from './stats';

export interface LoadSpec {
  /** The app's origin, such as `http://127.0.0.1:3000`. */
  origin: string;
  /** The path of every request; `{code}` is replaced by the next of `codes`. */
  path: string;
  /** One per request: a login needs a fresh authCode. */
  codes?: string[];
  connections: number;
  /** Requests to send; with `codes`, at most their number. */
  amount?: number;
  /** Seconds to run instead of a fixed amount. */
  duration?: number;
  expectStatus: number;
  /** The exact body every answer must have. */
  expectBody?: string;
}

export interface LoadResult {
  completed: number;
  elapsedMs: number;
  perSecond: number;
  /** Answers with another status than `expectStatus`. */
  unexpectedStatus: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  mismatches: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time this process spent, in microseconds. */
  cpuMicros: number;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const { codes } = spec;
  if (codes && spec.amount !== undefined && spec.amount > codes.length) {
    throw new Error(`${spec.amount} requests need as many codes, got ${codes.length}`);
  }
  let nextCode = 0;
  let mismatches = 0;
  const { expectBody } = spec;
  const request: autocannon.Request = { method: 'GET', path: spec.path };
  if (codes) {
    request.setupRequest = (req) => {
      const code = codes[nextCode++];
      if (code === undefined) throw new Error('ran out of authCodes');
      // autocannon hands a fresh copy of the request each time; a spread would cost microseconds.
      req.path = spec.path.replace('{code}', code);
      return req;
    };
  }
  if (expectBody !== undefined) {
    // autocannon refuses its own expectBody option together with `requests`.
    request.onResponse = (_status, body) => {
      if (body !== expectBody) mismatches += 1;
    };
  }
  const options: autocannon.Options = {
    url: spec.origin,
    connections: spec.connections,
    requests: [request],
    // autocannon notices the end of a run only when it samples: every second by default.
    sampleInt: 10,
  };
  if (spec.amount !== undefined) options.amount = spec.amount;
  if (spec.duration !== undefined) options.duration = spec.duration;

  // autocannon's histogram rounds latencies to whole milliseconds; a login takes less than one.
  const latencies: number[] = [];
  let lastResponse = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastResponse = performance.now();
    });
  });
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = (lastResponse || performance.now()) - started;
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = count ?? 0;
  latencies.sort((a, b) => a - b);
  return {
    completed: latencies.length,
    elapsedMs,
    perSecond: (latencies.length / elapsedMs) * 1000,
    unexpectedStatus: latencies.length - (statuses[String(spec.expectStatus)] ?? 0),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuMicros: cpu.user + cpu.system,
  };
}

const api = { run };

export type LoadAPI = typeof api;

answerCalls(api);
