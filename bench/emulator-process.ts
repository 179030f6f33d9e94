// The DingTalk side of the benchmark, in its own process: its CPU time must not be billed to the
// app under test, and the tokens it keeps for every login must not show up in the app's heap.
import { createDingTalkEmulator, type DingTalkEmulator, type EmulatorCounters } from '../lib/testing/index';
import { answerCalls } from './ipc';

export interface EmulatorStarted {
  clientID: string;
  clientSecret: string;
  authorizationURL: string;
  tokenURL: string;
  userProfileURL: string;
  /** The user every minted code logs in. */
  unionId: string;
}

let emulator: DingTalkEmulator | undefined;

function running(): DingTalkEmulator {
  if (!emulator) throw new Error('the emulator has not been started');
  return emulator;
}

const api = {
  async start(): Promise<EmulatorStarted> {
    // Enough lifetime for codes minted before a round, whatever the machine's speed.
    emulator ??= await createDingTalkEmulator({ authCodeTTLSeconds: 600 });
    const unionId = emulator.users[0]?.unionId;
    if (!unionId) throw new Error('the emulator has no users');
    return { ...emulator.strategyOptions(), unionId };
  },
  /** Codes are minted between rounds, never while one is being measured. */
  mint(count: number): string[] {
    const current = running();
    return Array.from({ length: count }, () => current.issueAuthCode());
  },
  counters(): EmulatorCounters {
    return running().counters;
  },
  resetCounters(): void {
    running().resetCounters();
  },
  cpu(): NodeJS.CpuUsage {
    return process.cpuUsage();
  },
};

export type EmulatorAPI = typeof api;

answerCalls(api);
