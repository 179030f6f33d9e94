// InAppStrategy on Koa (koa-passport) and Fastify (@fastify/passport): each hands the strategy a
// request of its own making, from which the method, the headers and the parsed body must be read.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Authenticator } from '@fastify/passport';
import secureSession from '@fastify/secure-session';
import { Router } from '@koa/router';
import Fastify from 'fastify';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import { createSession } from 'koa-session';
import { type InAppProfile, InAppStrategy } from '../../lib/index';
import { createDingTalkEmulator, type DingTalkEmulator } from '../../lib/testing/index';

interface Running {
  url: string;
  close(): Promise<void>;
}

type Outcome = {
  status: number;
  body: { user?: { id: string; userId: string }; reason?: string; message?: string };
};

const verify = (profile: InAppProfile, done: (err: unknown, user?: object) => void) =>
  done(null, { id: profile.id, userId: profile.userId });

/** What the route answers: the user after logging in, or the failure's reason and status. */
function describeOutcome(err: unknown, user: unknown, info: unknown, status: unknown): Outcome {
  if (err) return { status: (err as { status?: number }).status ?? 500, body: {} };
  if (!user) {
    const { reason, message } = (info ?? {}) as { reason?: string; message?: string };
    return { status: Number(status) || 401, body: { reason, message } };
  }
  return { status: 200, body: { user: user as { id: string; userId: string } } };
}

async function startKoa(emulator: DingTalkEmulator): Promise<Running> {
  const passport = new KoaPassport();
  passport.use(new InAppStrategy(emulator.inAppStrategyOptions(), verify));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = new Koa();
  app.keys = [randomBytes(32).toString('hex')];
  app.use(createSession({ sameSite: 'lax' }, app));
  app.use(passport.initialize());
  app.use(passport.session());
  // What @koa/bodyparser does for JSON, kept to the few lines this test needs.
  app.use(async (ctx, next) => {
    if (ctx.is('application/json')) {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
    await next();
  });
  const router = new Router();
  const inApp = async (ctx: Koa.Context, next: Koa.Next) =>
    passport.authenticate('dingtalk-inapp', async (err: unknown, user: unknown, info: unknown, status: unknown) => {
      const outcome = describeOutcome(err, user, info, status);
      if (outcome.status === 200) await ctx.login(user as Express.User);
      ctx.status = outcome.status;
      ctx.body = outcome.body;
    })(ctx, next);
  router.post('/in-app', inApp);
  router.get('/in-app', inApp);
  router.get('/me', (ctx) => {
    ctx.body = { user: ctx.state.user ?? null };
  });
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startFastify(emulator: DingTalkEmulator): Promise<Running> {
  const passport = new Authenticator();
  passport.use(new InAppStrategy(emulator.inAppStrategyOptions(), verify));
  passport.registerUserSerializer(async (user) => user);
  passport.registerUserDeserializer(async (user) => user);
  const app = Fastify();
  await app.register(secureSession, {
    secret: randomBytes(32),
    salt: 'dingtalk-inapp16',
    cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
  });
  await app.register(passport.initialize());
  await app.register(passport.secureSession());
  const inApp = passport.authenticate('dingtalk-inapp', async (request, reply, err, user, info, status) => {
    const outcome = describeOutcome(err, user, info, status);
    if (outcome.status === 200) await request.logIn(user as Express.User);
    return reply.code(outcome.status).send(outcome.body);
  });
  app.post('/in-app', inApp);
  app.get('/in-app', inApp);
  app.get('/me', async (request) => ({ user: request.user ?? null }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

for (const [framework, start] of [
  ['Koa', startKoa],
  ['Fastify', startFastify],
] as const) {
  describe(`InAppStrategy on ${framework}`, () => {
    let emulator: DingTalkEmulator;
    let running: Running;
    before(async () => {
      emulator = await createDingTalkEmulator();
      running = await start(emulator);
    });
    after(async () => {
      await running?.close();
      await emulator?.close();
    });

    async function post(body: unknown, headers: Record<string, string> = {}, cookie = '') {
      const response = await fetch(`${running.url}/in-app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Outcome['body'], response };
    }

    it('logs in with a posted code and keeps the user in the session', async () => {
      const { status, body, response } = await post({ code: emulator.issueInAppCode() });
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(body.user, { id: 'union-zhangsan', userId: 'zhangsan' });
      const cookie = response.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const me = await fetch(`${running.url}/me`, { headers: { cookie } });
      assert.equal(((await me.json()) as { user: { id: string } }).user.id, 'union-zhangsan');
    });

    it('refuses a used code (401), a cross-site POST (403) and a GET (400)', async () => {
      const code = emulator.issueInAppCode();
      assert.equal((await post({ code })).status, 200);
      const reused = await post({ code });
      assert.deepEqual([reused.status, reused.body.reason], [401, 'code_rejected']);
      const crossSite = await post({ code: emulator.issueInAppCode() }, { 'sec-fetch-site': 'cross-site' });
      assert.deepEqual([crossSite.status, crossSite.body.reason], [403, 'cross_site_request']);
      emulator.resetCounters();
      const get = await fetch(`${running.url}/in-app?code=${emulator.issueInAppCode()}`);
      assert.equal(get.status, 400);
      assert.equal(((await get.json()) as Outcome['body']).reason, 'malformed_request');
      assert.equal(emulator.counters.requests.userInfo, 0);
    });

    if (framework === 'Koa') {
      it('says that no parsed body reached the strategy, naming the Content-Type, for a form where only JSON is parsed', async () => {
        const code = emulator.issueInAppCode();
        const response = await fetch(`${running.url}/in-app`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
          body: `code=${code}`,
        });
        const body = (await response.json()) as Outcome['body'];
        assert.equal(response.status, 400);
        assert.equal(body.reason, 'malformed_request');
        assert.match(
          body.message ?? '',
          /^Invalid in-client login request: no parsed request body reached the strategy: the request's Content-Type is application\/x-www-form-urlencoded; add a body parser for it \(express\.urlencoded\(\), or @koa\/bodyparser .*\) or post JSON\.$/,
        );
        assert.ok(!body.message?.includes(code));
      });
    }
  });
}
