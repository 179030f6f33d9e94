import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import session from 'express-session';
import express4 from 'express4';
import { Passport } from 'passport';
import request from 'supertest';
import {
  type DingTalkAuthenticateOptions,
  Strategy,
  type StrategyOptions,
  type StrategyOptionsWithRequest,
  type VerifyFunction,
  type VerifyFunctionWithParams,
  type VerifyFunctionWithRequest,
  type VerifyFunctionWithRequestAndParams,
} from '../../lib/index';

export interface TestAppOptions {
  strategy: StrategyOptions<boolean> | StrategyOptionsWithRequest<boolean>;
  verify?: VerifyFunction | VerifyFunctionWithParams | VerifyFunctionWithRequest | VerifyFunctionWithRequestAndParams;
  /** Options for the /login route. */
  login?: DingTalkAuthenticateOptions;
  express?: 4 | 5;
  /** Node's limit on request headers (the URL included); default 16 KB. */
  maxHeaderSize?: number;
  /** Where express-session keeps sessions; default its memory store. */
  sessionStore?: session.Store;
  /** A body parser for every route, as apps often install globally. */
  bodyParser?: 'urlencoded' | 'json';
  /** Leave errors to Express's own final handler (it answers with `err.status`), not the test's. */
  expressErrorHandler?: boolean;
}

export interface TestApp {
  url: string;
  strategy: Strategy;
  /** The Express app, for settings such as 'trust proxy'. */
  expressApp: ReturnType<typeof express5>;
  /** Errors that reached the Express error handler, in order (not with `expressErrorHandler`). */
  errors: Error[];
  /** A fresh browser: its own cookie jar. */
  browser(): request.Agent;
  close(): Promise<void>;
}

/** The user the default verify callback logs in: everything it was given. */
export const keepEverything: VerifyFunctionWithParams = (accessToken, refreshToken, params, profile, done) =>
  done(null, { accessToken, refreshToken, params, profile });

/**
 * A real Express app with express-session and passport, as users write it: /login starts the
 * login, /callback finishes it (failures go to /failed with the message), /me shows the user.
 */
export async function startApp(options: TestAppOptions): Promise<TestApp> {
  const express = (options.express === 4 ? express4 : express5) as typeof express5;
  const passport = new Passport();
  const strategy = new Strategy(
    options.strategy as StrategyOptions,
    (options.verify ?? keepEverything) as VerifyFunction,
  );
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  const errors: Error[] = [];
  app.use(
    session({
      secret: 'test session secret',
      resave: false,
      saveUninitialized: false,
      ...(options.sessionStore ? { store: options.sessionStore } : {}),
    }),
  );
  app.use(passport.session());
  if (options.bodyParser === 'urlencoded') app.use(express.urlencoded({ extended: false }));
  if (options.bodyParser === 'json') app.use(express.json());
  app.get('/login', passport.authenticate('dingtalk', options.login ?? {}));
  app.get(
    '/callback',
    passport.authenticate('dingtalk', { failureRedirect: '/failed', failureMessage: true }),
    (req, res) => {
      res.json({ user: req.user });
    },
  );
  // A custom callback, to see exactly what the strategy answered: user, challenge and status.
  app.get('/callback-outcome', (req, res, next) => {
    passport.authenticate('dingtalk', (err: unknown, user: unknown, info: unknown, status: unknown) => {
      if (err) return next(err);
      res.json({ user, info: info ?? null, status: status ?? null });
    })(req, res, next);
  });
  app.get('/failed', (req, res) => {
    const messages = (req.session as unknown as { messages?: string[] }).messages ?? [];
    res.status(401).json({ messages });
  });
  app.get('/me', (req, res) => {
    res.json({ user: req.user ?? null });
  });
  // Express's final handler prints each error's stack outside the 'test' environment.
  if (options.expressErrorHandler) app.set('env', 'test');
  else {
    app.use((error: Error, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) => {
      errors.push(error);
      res.status(500).json({ error: { name: error.name, message: error.message } });
    });
  }

  const server: Server = createServer({ maxHeaderSize: options.maxHeaderSize ?? 16 * 1024 }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    strategy,
    expressApp: app,
    errors,
    browser: () => request.agent(url),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Follows /login and returns the authorize URL the browser was sent to. */
export async function startLogin(browser: request.Agent, path = '/login'): Promise<URL> {
  const response = await browser.get(path).redirects(0);
  if (response.status !== 302) throw new Error(`expected a redirect from ${path}, got ${response.status}`);
  return new URL(response.headers.location as string);
}
