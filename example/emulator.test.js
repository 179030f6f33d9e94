// Testing your own DingTalk login offline: a whole login against the emulator, no network. Run it with `node --test`.
// npm install passport-dingtalk-oauth2 passport express express-session
// npm install --save-dev supertest
const assert = require('node:assert/strict');
const { test } = require('node:test');
const express = require('express');
const session = require('express-session');
const { Passport } = require('passport');
const request = require('supertest');
const { Strategy } = require('passport-dingtalk-oauth2');
const { createDingTalkEmulator } = require('passport-dingtalk-oauth2/testing');

test('a DingTalk user logs in', async (t) => {
  const dingtalk = await createDingTalkEmulator();
  t.after(() => dingtalk.close());

  const passport = new Passport();
  passport.use(
    new Strategy({ ...dingtalk.strategyOptions(), callbackURL: '/auth/dingtalk/callback' }, (_at, _rt, profile, done) =>
      done(null, { id: profile.id, name: profile.displayName }),
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 'test', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/dingtalk/callback', passport.authenticate('dingtalk'), (req, res) => res.json(req.user));
  const server = app.listen(0, '127.0.0.1');
  t.after(() => server.close());

  // DingTalk would show its login page, then send the browser back with an authCode:
  const authCode = dingtalk.issueAuthCode({ unionId: 'union-lisi' });
  const response = await request(server).get('/auth/dingtalk/callback').query({ authCode });

  assert.equal(response.status, 200);
  assert.deepEqual(response.body, { id: 'union-lisi', name: '李四' });
});
