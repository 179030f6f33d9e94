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
  /** The endpoints `memberLookup: true` asks besides the two above. */
  memberLookup: { accessTokenURL: string; getByUnionIdURL: string; userDetailsURL: string; allowedCorpIds: string[] };
  /** The user every minted code logs in. */
  unionId: string;
  /** The organization of the app token, which the user is a member of; member codes carry it. */
  corpId: string;
}

export interface MintSpec {
  count: number;
  /** Codes granted with the scope `openid corpid` for the app token's organization (`corpId`). */
  member?: boolean;
}

let emulator: DingTalkEmulator | undefined;
let memberOf: string | undefined;

function running(): DingTalkEmulator {
  if (!emulator) throw new Error('the emulator has not been started');
  return emulator;
}

const api = {
  async start(): Promise<EmulatorStarted> {
    // Enough lifetime for codes minted before a round, whatever the machine's speed.
    emulator ??= await createDingTalkEmulator({ authCodeTTLSeconds: 600 });
    const user = emulator.users[0];
    if (!user) throw new Error('the emulator has no users');
    // The app token is the in-client organization's: the member lookup asks that organization.
    const corpId = emulator.inAppStrategyOptions().corpId;
    if (!user.organizations.some((organization) => organization.corpId === corpId)) {
      throw new Error(`the emulator's first user is not a member of ${corpId}, the app token's organization`);
    }
    memberOf = corpId;
    const { accessTokenURL, getByUnionIdURL, userDetailsURL, allowedCorpIds, ...browser } = emulator.strategyOptions({
      memberLookup: true,
    });
    const { clientID, clientSecret, authorizationURL, tokenURL, userProfileURL } = browser;
    return {
      clientID,
      clientSecret,
      authorizationURL,
      tokenURL,
      userProfileURL,
      // Pinned to the app token's organization, as the strategy requires of the app's own token.
      memberLookup: { accessTokenURL, getByUnionIdURL, userDetailsURL, allowedCorpIds },
      unionId: user.unionId,
      corpId,
    };
  },
  /** Codes are minted between rounds, never while one is being measured. */
  mint({ count, member = false }: MintSpec): string[] {
    const current = running();
    if (member && !memberOf) throw new Error('the emulator has not been started');
    const options = member ? { scope: 'openid corpid', corpId: memberOf as string } : {};
    return Array.from({ length: count }, () => current.issueAuthCode(options));
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
