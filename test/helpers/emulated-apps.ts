import { after, before, beforeEach } from 'node:test';
import { createDingTalkEmulator, type DingTalkEmulator } from '../../lib/testing/index';
import { startApp, type TestApp, type TestAppOptions } from './app';

export interface EmulatedApps {
  /** The suite's DingTalk: faults cleared and counters reset before each test. */
  readonly emulator: DingTalkEmulator;
  /** Starts an app on the emulator (`callbackURL: '/callback'`, `state: true` unless overridden). */
  app(strategy?: object, extra?: Partial<TestAppOptions>): Promise<TestApp>;
}

/**
 * Registers the hooks of a suite that runs Express apps against one emulator: it starts before
 * the suite, is reset before each test, and everything is closed after the suite.
 */
export function emulatedApps(): EmulatedApps {
  let emulator: DingTalkEmulator | undefined;
  const apps: TestApp[] = [];
  before(async () => {
    emulator = await createDingTalkEmulator();
  });
  beforeEach(() => {
    emulator?.clearFaults();
    emulator?.resetCounters();
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await emulator?.close();
  });
  const started = (): DingTalkEmulator => {
    if (!emulator) throw new Error('the emulator starts in before(): use it inside a test');
    return emulator;
  };
  return {
    get emulator() {
      return started();
    },
    async app(strategy = {}, extra = {}) {
      const app = await startApp({
        strategy: { ...started().strategyOptions(), callbackURL: '/callback', state: true, ...strategy },
        ...extra,
      });
      apps.push(app);
      return app;
    },
  };
}
