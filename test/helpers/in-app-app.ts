import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator } from '@fastify/passport';
import secureSession from '@fastify/secure-session';
import { Router } from '@koa/router';
import express from 'express';
import session from 'express-session';
import Fastify from 'fastify';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import { createSession } from 'koa-session';
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
  /** Express only: the browser strategy too, on GET /browser/callback, to log the same person in both ways. */
  browser?: StrategyOptions<boolean>;
  /** Express (JSON and form bodies, default), Koa (JSON bodies only) or Fastify (JSON). */
  framework?: 'express' | 'koa' | 'fastify';
}

/** What the in-client route answered: the user, or the failure, or the error. */
export interface InAppOutcome {
  status: number;
  user?: { id: string; via: string; profile: InAppProfile };
  failure?: { reason: string; message: string };
  error?: { name: string; message: string; status: number; code?: string; subCode?: string };
  /** The session cookie set by a login, for GET /me. */
  cookie: string;
}

export interface InAppTestApp {
  url: string;
  /** Errors the in-client route saw, as thrown (to inspect them whole). */
  errors: unknown[];
  /** POSTs to /in-app (JSON unless `raw` is given as the body's text) and reads the JSON answer. */
  post(body: unknown, headers?: Record<string, string>, raw?: string): Promise<InAppOutcome>;
  /** The session's user, as GET /me shows it. */
  me(cookie: string): Promise<{ id: string } | null>;
  close(): Promise<void>;
}

/** The user both strategies log in: keyed by profile.id (the unionId), as the docs advise. */
const keepProfile: InAppVerifyFunction = (profile, done) => done(null, { id: profile.id, via: 'in-app', profile });

/** The custom callback's answer, alike in every framework: 200 and the user, or the failure, or the error. */
function answer(errors: unknown[], err: unknown, user: unknown, info: unknown, status: unknown) {
  if (err) {
    errors.push(err);
    const { name, message, status: errorStatus, code, subCode } = err as Record<string, unknown>;
    return {
      status: Number(errorStatus) || 500,
      body: { error: { name, message, status: errorStatus, code, subCode } },
    };
  }
  if (!user) return { status: Number(status) || 401, body: { failure: info } };
  return { status: 200, body: { user } };
}

type Started = { url: string; close(): Promise<void> };

async function listen(server: Server): Promise<Started> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startExpress(options: InAppTestAppOptions, errors: unknown[]): Promise<Started> {
  const passport = new Passport();
  passport.use(new InAppStrategy(options.inApp, keepProfile));
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
  app.use(session({ secret: 'test session secret', resave: false, saveUninitialized: false }));
  app.use(passport.session(), express.json({ limit: '1kb' }), express.urlencoded({ extended: false, limit: '1kb' }));
  app.all('/in-app', (req, res, next) =>
    passport.authenticate(
      'dingtalk-inapp',
      (err: unknown, user: Express.User | false, info: unknown, status: unknown) => {
        const { status: code, body } = answer(errors, err, user, info, status);
        if (code !== 200) return res.status(code).json(body);
        req.logIn(user as Express.User, (loginError) => (loginError ? next(loginError) : res.json(body)));
      },
    )(req, res, next),
  );
  app.get('/browser/callback', passport.authenticate('dingtalk', { session: false }), (req, res) => {
    res.json({ user: req.user });
  });
  app.get('/me', (req, res) => res.json({ user: req.user ?? null }));
  return listen(createServer(app));
}

async function startKoa(options: InAppTestAppOptions, errors: unknown[]): Promise<Started> {
  const passport = new KoaPassport();
  passport.use(new InAppStrategy(options.inApp, keepProfile));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = new Koa();
  app.keys = [randomBytes(32).toString('hex')];
  app.use(createSession({ sameSite: 'lax' }, app));
  app.use(passport.initialize());
  app.use(passport.session());
  // What @koa/bodyparser does for JSON (and nothing else), kept to the few lines needed.
  app.use(async (ctx, next) => {
    if (ctx.is('application/json')) {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
    await next();
  });
  const router = new Router();
  router.all('/in-app', (ctx, next) =>
    passport.authenticate('dingtalk-inapp', async (err: unknown, user: unknown, info: unknown, status: unknown) => {
      const { status: code, body } = answer(errors, err, user, info, status);
      if (code === 200) await ctx.login(user as Express.User);
      ctx.status = code;
      ctx.body = body;
    })(ctx, next),
  );
  router.get('/me', (ctx) => {
    ctx.body = { user: ctx.state.user ?? null };
  });
  app.use(router.routes());
  return listen(createServer(app.callback()));
}

async function startFastify(options: InAppTestAppOptions, errors: unknown[]): Promise<Started> {
  const passport = new Authenticator();
  passport.use(new InAppStrategy(options.inApp, keepProfile));
  passport.registerUserSerializer(async (user) => user);
  passport.registerUserDeserializer(async (user) => user);
  const app = Fastify();
  const cookie = { path: '/', httpOnly: true, sameSite: 'lax' } as const;
  await app.register(secureSession, { secret: randomBytes(32), salt: 'dingtalk-inapp16', cookie });
  await app.register(passport.initialize());
  await app.register(passport.secureSession());
  const inApp = passport.authenticate('dingtalk-inapp', async (request, reply, err, user, info, status) => {
    const { status: code, body } = answer(errors, err, user, info, status);
    if (code === 200) await request.logIn(user as Express.User);
    return reply.code(code).send(body);
  });
  app.post('/in-app', inApp);
  app.get('/in-app', inApp);
  app.get('/me', async (request) => ({ user: request.user ?? null }));
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), close: () => app.close() };
}

/**
 * An app as the docs show it, on Express, Koa or Fastify: /in-app (POST, and GET to show that it
 * is refused) runs the in-client strategy with a custom callback answering JSON; GET /me shows the
 * session's user; with Express, GET /browser/callback runs the browser strategy.
 */
export async function startInAppApp(options: InAppTestAppOptions): Promise<InAppTestApp> {
  const errors: unknown[] = [];
  const start = { express: startExpress, koa: startKoa, fastify: startFastify }[options.framework ?? 'express'];
  const { url, close } = await start(options, errors);
  return {
    url,
    errors,
    close,
    async post(body, headers = {}, raw = undefined) {
      const response = await fetch(`${url}/in-app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: raw ?? JSON.stringify(body),
      });
      const cookie = response.headers
        .getSetCookie()
        .map((set) => set.split(';')[0])
        .join('; ');
      return { status: response.status, cookie, ...((await response.json()) as object) };
    },
    async me(cookie) {
      return ((await (await fetch(`${url}/me`, { headers: { cookie } })).json()) as { user: { id: string } | null })
        .user;
    },
  };
}
