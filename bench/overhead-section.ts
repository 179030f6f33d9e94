import type { Request } from 'express';
import type { BenchConfig } from './config';
import { bareLogin, fakeFetch, fakeUnionId } from './fake-dingtalk';
import type { Harness } from './harness';
import { format, printTable, section, type TargetResult } from './report';
import { alternateRounds } from './rounds';
import { median } from './stats';
import type { LoadedStrategy } from './strategy-module';

type Login = () => Promise<string>;

/**
 * 6. The strategy's own JavaScript per login, without sockets, Express or sessions: a fake fetch
 * answers from memory. This figure barely moves with the machine's load, unlike logins/s, so it
 * shows what a patch to lib/ gains (node-fetch's handling of the abort signal is not included).
 */
export async function benchOverhead(harness: Harness, config: BenchConfig): Promise<TargetResult[]> {
  const { loginsPerRound, rounds } = config.overhead;
  section(`6. The strategy's own code per login, no sockets (median of ${rounds} rounds of ${loginsPerRound})`);
  const logins = new Map<string, Login>([['bare: fetch, text(), JSON.parse', bareLogin]]);
  const { main, candidate } = harness.strategies;
  logins.set('strategy', strategyLogin(main));
  if (candidate) logins.set('candidate', strategyLogin(candidate));
  const names = [...logins.keys()];
  const results = await alternateRounds(names, rounds, async (name) => {
    const login = logins.get(name) as Login;
    const started = process.hrtime.bigint();
    try {
      for (let i = 0; i < loginsPerRound; i++) {
        const user = await login();
        if (user !== fakeUnionId) throw new Error(`logged in ${user} instead of ${fakeUnionId}`);
      }
    } catch (error) {
      harness.failures.push(`${name} without sockets: ${error instanceof Error ? error.message : String(error)}`);
      return Number.NaN;
    }
    return Number(process.hrtime.bigint() - started) / 1000 / loginsPerRound;
  });
  const bare = median(results.get(names[0] as string) as number[]);
  printTable(
    ['login', 'µs/login', 'over bare'],
    names.map((name) => {
      const micros = median(results.get(name) as number[]);
      return [name, format.ms(micros), name === names[0] ? '' : `+${format.ms(micros - bare)}`];
    }),
  );
  return [];
}

/** A login through `authenticate`, as passport runs it, with the fake DingTalk behind it. */
function strategyLogin({ module }: LoadedStrategy): Login {
  const strategy = new module.Strategy(
    {
      clientID: 'bench-client',
      clientSecret: 'bench-secret',
      callbackURL: 'http://127.0.0.1/callback',
      tokenURL: 'http://127.0.0.1/v1.0/oauth2/userAccessToken',
      userProfileURL: 'http://127.0.0.1/v1.0/contact/users/me',
      fetch: fakeFetch,
    },
    (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id }),
  );
  return () =>
    new Promise((resolve, reject) => {
      // What passport does per request: a copy of the strategy with the actions attached.
      const attempt = Object.create(strategy);
      attempt.success = (user: { id: string }) => resolve(user.id);
      attempt.fail = (challenge: unknown) => reject(new Error(`login failed: ${JSON.stringify(challenge)}`));
      attempt.error = reject;
      const req = { query: { authCode: 'c'.repeat(32), state: 'bench' }, headers: {} } as unknown as Request;
      attempt.authenticate(req, {});
    });
}
