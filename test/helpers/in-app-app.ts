import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import {
  type InAppProfile,
  InAppStrategy,
  type InAppStrategyOptions,
  type InAppVerifyFunction,
  Strategy,
  type StrategyOptions,
} from '../../lib/index';

export interface InAppTestAppOptions {
  inApp: InAppStrategyOptions;
  /** The browser strategy too, to log the same person in both ways. */
  browser?: StrategyOptions<boolean>;
  verify?: InAppVerifyFunction;
  /** Parse JSON only on /in-app, as the guide's Express code does (default: JSON and forms). */
  jsonOnly?: boolean;
}

/** What the in-client route answered: the user, or the failure, or the error. */
export interface InAppOutcome {
  status: number;
  user?: { id: string; via: string; profile: InAppProfile };
  failure?: { reason: string; message: string };
  error?: { name: string; message: string; status: number; code?: string; subCode?: string };
}

export interface InAppTestApp {
  url: string;
  strategy: InAppStrategy;
  /** Errors the in-client route saw, as thrown (to inspect them whole). */
  errors: unknown[];
  /** POSTs to /in-app and reads the JSON answer. */
  post(body: unknown, headers?: Record<string, string>): Promise<InAppOutcome>;
  close(): Promise<void>;
}

/** The user both strategies log in: keyed by profile.id (the unionId), as the docs advise. */
const keepProfile: InAppVerifyFunction = (profile, done) => done(null, { id: profile.id, via: 'in-app', profile });

/**
 * An Express app as the docs show it: POST /in-app with express.json() and a custom callback
 * answering JSON; GET /browser/callback for the browser strategy; GET /me shows the session user.
 */
export async function startInAppApp(options: InAppTestAppOptions): Promise<InAppTestApp> {
  const passport = new Passport();
  const strategy = new InAppStrategy(options.inApp, options.verify ?? keepProfile);
  passport.use(strategy);
  if (options.browser) {
    passport.use(
      new Strategy(options.browser, (_accessToken, _refreshToken, profile, done) =>
        done(null, { id: profile.id, via: 'browser', profile }),
      ),
    );
  }
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = express();
  const errors: unknown[] = [];
  app.use(session({ secret: 'test session secret', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.post(
    '/in-app',
    express.json({ limit: '1kb' }),
    options.jsonOnly ? (_req, _res, next) => next() : express.urlencoded({ extended: false, limit: '1kb' }),
    (req, res, next) => {
      passport.authenticate(
        'dingtalk-inapp',
        (err: unknown, user: Express.User | false, info: unknown, status: unknown) => {
          if (err) {
            errors.push(err);
            const { name, message, status: errorStatus, code, subCode } = err as Record<string, unknown>;
            return res
              .status(Number(errorStatus) || 500)
              .json({ error: { name, message, status: errorStatus, code, subCode } });
          }
          if (!user) return res.status(Number(status) || 401).json({ failure: info });
          req.logIn(user, (loginError) => (loginError ? next(loginError) : res.json({ user })));
        },
      )(req, res, next);
    },
  );
  app.get('/browser/callback', passport.authenticate('dingtalk', { session: false }), (req, res) => {
    res.json({ user: req.user });
  });
  app.get('/me', (req, res) => res.json({ user: req.user ?? null }));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    strategy,
    errors,
    async post(body, headers = {}) {
      const response = await fetch(`${url}/in-app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
