import type { Request } from 'express';
import type { BenchConfig } from './config';
import {
  bareLogin,
  bareMemberLogin,
  fakeAnswers,
  fakeCorpId,
  fakeFetch,
  fakeUnionId,
  fakeUserId,
  memberLookupFakeFetch,
} from './fake-dingtalk';
import type { Harness } from './harness';
import { format, printTable, section, type TargetResult } from './report';
import { alternateRounds } from './rounds';
import { median, medianInterval } from './stats';
import type { LoadedStrategy } from './strategy-module';

/** The user a login ends with: the member's userId too with memberLookup. */
interface LoggedIn {
  id: string;
  userId?: string;
}

interface Variant {
  login: () => Promise<LoggedIn | string>;
  /** With memberLookup: the login must come back with the member's userId. */
  member: boolean;
  /** The hand-written login it is compared with. */
  bare?: string;
}

const bareName = 'bare: fetch, text(), JSON.parse';
const bareMemberName = 'bare, 4 requests: + getbyunionid, user/get';

/**
 * 6. The strategy's own JavaScript per login, without sockets, Express or sessions: a fake fetch
 * answers from memory. This figure barely moves with the machine's load, unlike logins/s, so it
 * shows what a patch to lib/ gains (node-fetch's handling of the abort signal is not included).
 * With memberLookup too: 4 requests per login instead of 2, the app token cached (fetched by one
 * login before the rounds).
 */
export async function benchOverhead(harness: Harness, config: BenchConfig): Promise<TargetResult[]> {
  const { loginsPerRound, rounds } = config.overhead;
  section(`6. The strategy's own code per login, no sockets (median of ${rounds} rounds of ${loginsPerRound})`);
  const variants = new Map<string, Variant>([
    [bareName, { login: bareLogin, member: false }],
    [bareMemberName, { login: bareMemberLogin, member: false }],
  ]);
  const { main, candidate } = harness.strategies;
  variants.set('strategy', { login: strategyLogin(main, false), member: false, bare: bareName });
  if (candidate) variants.set('candidate', { login: strategyLogin(candidate, false), member: false, bare: bareName });
  variants.set('strategy, memberLookup', { login: strategyLogin(main, true), member: true, bare: bareMemberName });
  if (candidate) {
    variants.set('candidate, memberLookup', {
      login: strategyLogin(candidate, true),
      member: true,
      bare: bareMemberName,
    });
  }
  const names = [...variants.keys()];
  const loginOnce = async (name: string) => {
    const { login, member } = variants.get(name) as Variant;
    const user = await login();
    const { id, userId } = typeof user === 'string' ? { id: user, userId: undefined } : user;
    if (id !== fakeUnionId) throw new Error(`logged in ${id} instead of ${fakeUnionId}`);
    if (member && userId !== fakeUserId) throw new Error(`member ${userId} instead of ${fakeUserId}`);
  };
  const appTokensBefore = fakeAnswers.appToken;
  try {
    // Each strategy module caches the app token: one login each fetches it before anything is measured.
    for (const name of names) if (variants.get(name)?.member) await loginOnce(name);
  } catch (error) {
    harness.failures.push(`member lookup without sockets: ${error instanceof Error ? error.message : String(error)}`);
  }
  const appTokensWarm = fakeAnswers.appToken;
  const results = await alternateRounds(names, rounds, async (name) => {
    const started = process.hrtime.bigint();
    try {
      for (let i = 0; i < loginsPerRound; i++) await loginOnce(name);
    } catch (error) {
      harness.failures.push(`${name} without sockets: ${error instanceof Error ? error.message : String(error)}`);
      return Number.NaN;
    }
    return Number(process.hrtime.bigint() - started) / 1000 / loginsPerRound;
  });
  if (fakeAnswers.appToken !== appTokensWarm) {
    harness.failures.push(
      `memberLookup without sockets: the app token was fetched ${fakeAnswers.appToken - appTokensWarm} times during the rounds, after the warm-up had fetched it`,
    );
  }
  printTable(
    ['login', 'µs/login', 'over bare'],
    names.map((name) => {
      const micros = median(results.get(name) as number[]);
      const { bare } = variants.get(name) as Variant;
      return [name, format.ms(micros), bare ? `+${format.ms(micros - median(results.get(bare) as number[]))}` : ''];
    }),
  );
  console.log(`  over bare: above the hand-written login with the same requests (the first bare line, or the second`);
  console.log(
    `  for memberLookup, whose app token is cached: fetched ${appTokensWarm - appTokensBefore} time(s), before the rounds).`,
  );
  for (const subject of candidate ? ['strategy', 'candidate'] : ['strategy']) {
    const on = results.get(`${subject}, memberLookup`) as number[];
    const off = results.get(subject) as number[];
    const ratios = on.map((micros, round) => micros / (off[round] as number));
    const [low, high] = medianInterval(ratios);
    console.log(
      `  ${subject} memberLookup (4 requests per login against 2): ${format.ms(median(on))} µs/login on, ${format.ms(median(off))} off; ` +
        `on ÷ off ${format.ratio(median(ratios))} (min / median / max ${format.spread(ratios)}; 95% ${format.ratio(low)}–${format.ratio(high)})`,
    );
  }
  return [];
}

/** A login through `authenticate`, as passport runs it, with the fake DingTalk behind it. */
function strategyLogin({ module }: LoadedStrategy, memberLookup: boolean): () => Promise<LoggedIn> {
  const endpoints = {
    clientID: 'bench-client',
    clientSecret: 'bench-secret',
    callbackURL: 'http://127.0.0.1/callback',
    tokenURL: 'http://127.0.0.1/v1.0/oauth2/userAccessToken',
    userProfileURL: 'http://127.0.0.1/v1.0/contact/users/me',
  };
  const options = memberLookup
    ? {
        ...endpoints,
        memberLookup: true as const,
        allowedCorpIds: [fakeCorpId],
        accessTokenURL: 'http://127.0.0.1/v1.0/oauth2/accessToken',
        getByUnionIdURL: 'http://127.0.0.1/topapi/user/getbyunionid',
        userDetailsURL: 'http://127.0.0.1/topapi/v2/user/get',
        fetch: memberLookupFakeFetch,
      }
    : { ...endpoints, fetch: fakeFetch };
  const strategy = new module.Strategy(options, (_accessToken, _refreshToken, profile, done) =>
    done(null, memberLookup ? { id: profile.id, userId: (profile as { userId?: string }).userId } : { id: profile.id }),
  );
  return () =>
    new Promise((resolve, reject) => {
      // What passport does per request: a copy of the strategy with the actions attached.
      const attempt = Object.create(strategy);
      attempt.success = (user: LoggedIn) => resolve(user);
      attempt.fail = (challenge: unknown) => reject(new Error(`login failed: ${JSON.stringify(challenge)}`));
      attempt.error = reject;
      const req = { query: { authCode: 'c'.repeat(32), state: 'bench' }, headers: {} } as unknown as Request;
      attempt.authenticate(req, {});
    });
}
