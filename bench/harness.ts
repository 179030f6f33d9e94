import { join } from 'node:path';
import { setTimeout as delay, setImmediate as nextTurn } from 'node:timers/promises';
import { type BenchApp, startBenchApp } from './app';
import type { EmulatorAPI, EmulatorStarted } from './emulator-process';
import { Child } from './ipc';
import type { LoadAPI, LoadResult, LoadSpec } from './load-process';
import { loadStrategiesUnderTest, type StrategiesUnderTest } from './strategy-module';

/** A run as the app saw it: the load generator's figures plus where the CPU time went. */
export interface Measured extends LoadResult {
  /** CPU time of the app process per answer, in microseconds. */
  appCpuMicros: number;
  /** CPU time of the emulator process per answer, in microseconds. */
  emulatorCpuMicros: number;
  /** CPU time of the load generator per answer, in microseconds. */
  loadCpuMicros: number;
}

export interface LoginRun {
  path: string;
  connections: number;
  logins: number;
  /**
   * A route with `memberLookup: true`: its codes carry the organization (scope `openid corpid`),
   * and every login must also make one getbyunionid and one user/get request.
   */
  memberLookup?: boolean;
}

export interface PageRun {
  path: string;
  connections: number;
  seconds: number;
  expectStatus: number;
}

/**
 * The processes of a run: the app under test here, the emulator and the load generator in
 * children. Every run is checked: a wrong status, a connection error or a missing DingTalk request
 * is recorded as a failure, which fails the run whatever the mode.
 */
export class Harness {
  readonly failures: string[] = [];
  readonly app: BenchApp;
  readonly dingtalk: EmulatorStarted;
  /** The compiled strategy modules the app serves. */
  readonly strategies: StrategiesUnderTest;
  readonly #emulator: Child<EmulatorAPI>;
  readonly #load: Child<LoadAPI>;
  readonly #expectedLoginBody: string;
  #appTokenRequests = 0;

  private constructor(
    app: BenchApp,
    strategies: StrategiesUnderTest,
    dingtalk: EmulatorStarted,
    emulator: Child<EmulatorAPI>,
    load: Child<LoadAPI>,
  ) {
    this.app = app;
    this.strategies = strategies;
    this.dingtalk = dingtalk;
    this.#emulator = emulator;
    this.#load = load;
    this.#expectedLoginBody = JSON.stringify({ user: { id: dingtalk.unionId } });
  }

  static async start(): Promise<Harness> {
    const emulator = Child.start<EmulatorAPI>(join(__dirname, 'emulator-process.ts'));
    const load = Child.start<LoadAPI>(join(__dirname, 'load-process.ts'));
    let strategies: StrategiesUnderTest | undefined;
    try {
      // Compiling takes a while: the children boot meanwhile.
      strategies = loadStrategiesUnderTest(process.env);
      const dingtalk = await emulator.call('start');
      const { clientID, clientSecret, authorizationURL, tokenURL, userProfileURL, memberLookup } = dingtalk;
      const endpoints = { clientID, clientSecret, authorizationURL, tokenURL, userProfileURL };
      const app = await startBenchApp(strategies, endpoints, memberLookup);
      return new Harness(app, strategies, dingtalk, emulator, load);
    } catch (error) {
      strategies?.remove();
      await Promise.all([emulator.stop(), load.stop()]);
      throw error;
    }
  }

  /**
   * App token requests the emulator answered during the logins so far. The strategy caches the
   * token per app in the process: the whole run needs one.
   */
  get appTokenRequests(): number {
    return this.#appTokenRequests;
  }

  /**
   * Logins with fresh codes; every answer must be 200 with the user, and reach DingTalk twice
   * (token, profile), or four times with `memberLookup` (and getbyunionid, user/get), plus the
   * app token once in the whole run.
   */
  async logins(run: LoginRun): Promise<Measured> {
    const memberLookup = run.memberLookup === true;
    const codes = await this.#emulator.call('mint', { count: run.logins, member: memberLookup });
    const before = await this.#emulator.call('counters');
    const measured = await this.#measure({
      origin: this.app.origin,
      path: run.path,
      codes,
      connections: Math.min(run.connections, run.logins),
      amount: run.logins,
      expectStatus: 200,
      expectBody: this.#expectedLoginBody,
    });
    const after = await this.#emulator.call('counters');
    const made = (counter: keyof typeof after.requests) => after.requests[counter] - before.requests[counter];
    const tokens = made('token');
    const profiles = made('profile');
    const lookups = made('getByUnionId');
    const details = made('userDetails');
    this.#check(run.path, measured, run.logins);
    if (tokens !== run.logins || profiles !== run.logins) {
      this.failures.push(`${run.path}: ${run.logins} logins made ${tokens} token and ${profiles} profile requests`);
    }
    const expectedLookups = memberLookup ? run.logins : 0;
    if (lookups !== expectedLookups || details !== expectedLookups) {
      this.failures.push(
        `${run.path}: ${run.logins} logins made ${lookups} getbyunionid and ${details} user/get requests, not ${expectedLookups} of each`,
      );
    }
    const appTokens = made('appToken');
    if (appTokens > 0 && this.#appTokenRequests <= 1 && this.#appTokenRequests + appTokens > 1) {
      this.failures.push(
        `${run.path}: the app token was requested ${this.#appTokenRequests + appTokens} times so far in this run; it is cached per app, so once is enough`,
      );
    }
    this.#appTokenRequests += appTokens;
    return measured;
  }

  /** Requests to a page that needs no code, for a while. */
  async pages(run: PageRun): Promise<Measured> {
    const measured = await this.#measure({
      origin: this.app.origin,
      path: run.path,
      connections: run.connections,
      duration: run.seconds,
      expectStatus: run.expectStatus,
    });
    this.#check(run.path, measured);
    return measured;
  }

  /** Connections the emulator accepted while `work` ran. */
  async connectionsDuring(work: () => Promise<unknown>): Promise<number> {
    await this.#emulator.call('resetCounters');
    await work();
    return (await this.#emulator.call('counters')).connections;
  }

  /** Heap in use after forced collections, with the session store emptied first. */
  async settledHeapBytes(): Promise<number | undefined> {
    const gc = globalThis.gc;
    if (!gc) return undefined;
    await this.app.clearSessions();
    // Let the load generator's closed connections be torn down before collecting.
    await delay(100);
    for (let i = 0; i < 4; i++) {
      gc();
      await nextTurn();
    }
    return process.memoryUsage().heapUsed;
  }

  async stop(): Promise<void> {
    await this.app.close();
    this.strategies.remove();
    await Promise.all([this.#emulator.stop(), this.#load.stop()]);
  }

  async #measure(spec: LoadSpec): Promise<Measured> {
    // Every run starts from an empty store, so that its size is not one more thing that drifts.
    await this.app.clearSessions();
    const emulatorBefore = await this.#emulator.call('cpu');
    const appBefore = process.cpuUsage();
    const result = await this.#load.call('run', spec);
    const app = process.cpuUsage(appBefore);
    const emulator = await this.#emulator.call('cpu');
    const emulatorMicros = emulator.user + emulator.system - emulatorBefore.user - emulatorBefore.system;
    const per = (micros: number) => micros / Math.max(1, result.completed);
    return {
      ...result,
      appCpuMicros: per(app.user + app.system),
      emulatorCpuMicros: per(emulatorMicros),
      loadCpuMicros: per(result.cpuMicros),
    };
  }

  #check(path: string, result: LoadResult, expected?: number): void {
    const problems: string[] = [];
    if (expected !== undefined && result.completed !== expected)
      problems.push(`${result.completed}/${expected} answered`);
    if (result.unexpectedStatus > 0) problems.push(`statuses ${JSON.stringify(result.statuses)}`);
    if (result.errors > 0) problems.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
    if (result.mismatches > 0) problems.push(`${result.mismatches} answers with another body`);
    if (result.completed === 0) problems.push('nothing answered');
    if (problems.length > 0) this.failures.push(`${path}: ${problems.join(', ')}`);
  }
}
