import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import type { DingTalkEndpoints } from './routes/index';
import type { LoadedStrategy, StrategiesUnderTest } from './strategy-module';

export interface BenchApp {
  origin: string;
  /** Where the strategy was loaded from. */
  strategyFrom: string;
  /** Where the candidate strategy was loaded from, when there is one. */
  candidateFrom?: string;
  /** Errors that reached the error handler, with the path that raised them. */
  errors: string[];
  /** Forgets every session, so that each round starts with the same (empty) store. */
  clearSessions(): Promise<void>;
  /** Stops listening; the compiled strategy is the caller's to remove. */
  close(): Promise<void>;
}

/** The paths the benchmark requests; `{code}` is filled in by the load generator. */
export const paths = {
  strategyCallback: '/callback?authCode={code}&state=bench',
  freshStrategyCallback: '/callback/fresh?authCode={code}&state=bench',
  candidateCallback: '/callback/candidate?authCode={code}&state=bench',
  memberLookupCallback: '/callback/member-lookup?authCode={code}&state=bench',
  safeFloorCallback: '/baseline/safe-floor/callback?authCode={code}&state=bench',
  frameworkFloorCallback: '/baseline/framework-floor/callback?authCode={code}&state=bench',
  oauthClientCallback: '/baseline/oauth-client/callback?authCode={code}&state=bench',
  nodeFetchCallback: '/baseline/node-fetch/callback?authCode={code}&state=bench',
  nodeHttpCallback: '/baseline/node-http/callback?authCode={code}&state=bench',
  strategyLogin: '/login',
  strategyLoginStateless: '/login/stateless',
  bareLogin: '/baseline/login',
  bareLoginStateless: '/baseline/login/stateless',
} as const;

/** Where `memberLookup: true` gets the app token and asks the organization. */
export interface MemberLookupEndpoints {
  accessTokenURL: string;
  getByUnionIdURL: string;
  userDetailsURL: string;
  /** The app token's one organization: the strategy requires the login pinned to it. */
  allowedCorpIds: string[];
}

/** passport-oauth2's session key for an authorize URL on 127.0.0.1. */
const stateSessionKey = 'oauth2:127.0.0.1';

/**
 * One Express 5 app, as users write it (express-session with its MemoryStore, passport), serving
 * the strategy's routes and the hand-written routes it is measured against side by side, so that
 * both see the same process, heap and session store.
 */
export async function startBenchApp(
  strategies: StrategiesUnderTest,
  dingtalk: DingTalkEndpoints & { authorizationURL: string },
  memberLookup: MemberLookupEndpoints,
): Promise<BenchApp> {
  const app = express();
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const callbackURL = `${origin}/callback`;

  const passport = new Passport();
  const strategy = (
    name: string,
    state: boolean,
    { module }: LoadedStrategy = strategies.main,
    lookup?: MemberLookupEndpoints,
  ) => {
    const options = { ...dingtalk, callbackURL, state, ...(lookup ? { ...lookup, memberLookup: true } : {}) };
    const created = new module.Strategy(options, (_accessToken, _refreshToken, profile, done) =>
      done(null, { id: profile.id }),
    );
    passport.use(name, created);
  };
  strategy('dingtalk', true);
  strategy('dingtalk-stateless', false);
  // Used only by the connection count, so that its keep-alive pool starts empty.
  strategy('dingtalk-fresh', false);
  if (strategies.candidate) strategy('dingtalk-candidate', false, strategies.candidate);
  // The same strategy with memberLookup (details included): the scope defaults to "openid corpid".
  strategy('dingtalk-member-lookup', false, strategies.main, memberLookup);
  const {
    SafeFloorStrategy,
    FrameworkFloorStrategy,
    OAuthClientStrategy,
    answerLogin,
    nodeFetchLogin,
    nodeHttpLogin,
    bareAuthorizeRoute,
  } = strategies.baselines;
  passport.use('safe-floor', new SafeFloorStrategy(dingtalk, callbackURL));
  passport.use('framework-floor', new FrameworkFloorStrategy(dingtalk, callbackURL));
  passport.use('oauth-client', new OAuthClientStrategy(dingtalk, callbackURL));
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, { id }));

  const store = new session.MemoryStore();
  const errors: string[] = [];
  app.use(session({ secret: 'bench session secret', resave: false, saveUninitialized: false, store }));
  app.use(passport.session());

  app.get('/callback', passport.authenticate('dingtalk-stateless'), answerLogin);
  app.get('/callback/fresh', passport.authenticate('dingtalk-fresh'), answerLogin);
  if (strategies.candidate) app.get('/callback/candidate', passport.authenticate('dingtalk-candidate'), answerLogin);
  app.get('/callback/member-lookup', passport.authenticate('dingtalk-member-lookup'), answerLogin);
  app.get('/baseline/safe-floor/callback', passport.authenticate('safe-floor'), answerLogin);
  app.get('/baseline/framework-floor/callback', passport.authenticate('framework-floor'), answerLogin);
  app.get('/baseline/oauth-client/callback', passport.authenticate('oauth-client'), answerLogin);
  app.get('/baseline/node-fetch/callback', nodeFetchLogin(dingtalk));
  app.get('/baseline/node-http/callback', nodeHttpLogin(dingtalk));

  app.get(paths.strategyLogin, passport.authenticate('dingtalk'));
  app.get(paths.strategyLoginStateless, passport.authenticate('dingtalk-stateless'));
  const authorize = { ...dingtalk, callbackURL, scope: 'openid' };
  app.get(paths.bareLogin, bareAuthorizeRoute({ ...authorize, stateSessionKey }));
  app.get(paths.bareLoginStateless, bareAuthorizeRoute(authorize));

  app.use((error: Error, req: Request, res: Response, _next: NextFunction) => {
    // A few are enough to say what went wrong; a broken run would otherwise hold thousands.
    if (errors.length < 20) errors.push(`${req.path}: ${error.stack ?? error.message}`);
    res.status(500).json({ error: error.message });
  });

  return {
    origin,
    strategyFrom: strategies.main.from,
    ...(strategies.candidate ? { candidateFrom: strategies.candidate.from } : {}),
    errors,
    clearSessions: () => new Promise((resolve, reject) => store.clear((error) => (error ? reject(error) : resolve()))),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
