#!/usr/bin/env node
// Runs the demo: against the real DingTalk when DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET and
// DINGTALK_CALLBACK_URL are set, otherwise against the local DingTalk emulator (no internet needed).
// The login inside the DingTalk client (免登) needs the organization too: DINGTALK_CORP_ID with the
// real DingTalk; the emulator plays one of its own.
const { randomBytes } = require('node:crypto');
const { once } = require('node:events');
const { createDingTalkEmulator } = require('passport-dingtalk-oauth2/testing');
const { createApp, callbackPath } = require('./app');

async function startDemo({ port = 3000, host = '127.0.0.1', env = process.env } = {}) {
  const real = env.DINGTALK_CLIENT_ID && env.DINGTALK_CLIENT_SECRET && env.DINGTALK_CALLBACK_URL;
  let emulator;
  let strategyOptions;
  let inClient;
  if (real) {
    if (new URL(env.DINGTALK_CALLBACK_URL).pathname !== callbackPath) {
      throw new Error(`DINGTALK_CALLBACK_URL must end with ${callbackPath}: that is the demo's callback route`);
    }
    strategyOptions = {
      clientID: env.DINGTALK_CLIENT_ID,
      clientSecret: env.DINGTALK_CLIENT_SECRET,
      callbackURL: env.DINGTALK_CALLBACK_URL,
    };
    // Without the organization, inside DingTalk the page shows the button, as in any browser.
    if (env.DINGTALK_CORP_ID) {
      // The organization's members only, with their userId and details (the app needs the
      // permission qyapi_get_member). The app's own token answers for its own organization, so
      // memberLookup needs the login pinned to it.
      Object.assign(strategyOptions, { memberLookup: true, allowedCorpIds: [env.DINGTALK_CORP_ID] });
      inClient = {
        strategyOptions: {
          clientID: env.DINGTALK_CLIENT_ID,
          clientSecret: env.DINGTALK_CLIENT_SECRET,
          corpId: env.DINGTALK_CORP_ID,
        },
      };
    }
  } else {
    emulator = await createDingTalkEmulator();
    // The browser login asks the emulated organization who the user is (memberLookup), pinned to it.
    strategyOptions = emulator.strategyOptions({ memberLookup: true });
    inClient = {
      strategyOptions: emulator.inAppStrategyOptions(),
      ddScriptURL: emulator.ddScriptURL,
      clientPageURL: emulator.clientPageURL,
    };
  }
  const app = createApp({
    strategyOptions,
    inClient,
    sessionSecret: env.SESSION_SECRET || randomBytes(32).toString('hex'),
    usingEmulator: Boolean(emulator),
  });
  // No callback to app.listen: Express 5 calls it with the error too (EADDRINUSE when the port is
  // taken). once() resolves on 'listening' and rejects on 'error'.
  const server = app.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    if (emulator) await emulator.close();
    throw error;
  }
  const url = `http://${host}:${server.address().port}`;
  return {
    url,
    emulator,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (emulator) await emulator.close();
    },
  };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 3000);
  startDemo({ port }).then(
    (demo) => {
      if (demo.emulator) {
        console.log('No DINGTALK_CLIENT_ID/SECRET/CALLBACK_URL set: using the local DingTalk emulator.');
        console.log('未设置 DINGTALK_CLIENT_ID/SECRET/CALLBACK_URL：使用本地钉钉模拟器。');
        console.log(`DingTalk emulator: ${demo.emulator.url}`);
      } else {
        console.log('Using the real DingTalk. The callback path is /auth/dingtalk/callback.');
        console.log(
          process.env.DINGTALK_CORP_ID
            ? `钉钉内免登已开启（组织 ${process.env.DINGTALK_CORP_ID}）。/ Login inside the DingTalk client is on (organization ${process.env.DINGTALK_CORP_ID}).`
            : '未设置 DINGTALK_CORP_ID：钉钉内免登已关闭。/ No DINGTALK_CORP_ID: login inside the DingTalk client is off.',
        );
      }
      console.log(`\nDemo running: open ${demo.url}\n演示已启动：请打开 ${demo.url}`);
      if (demo.emulator) {
        console.log(
          [
            '',
            '钉钉客户端内免登：用包含 "DingTalk" 的 User-Agent 打开演示页面',
            '（例如 Chrome 开发者工具 → Network conditions → User agent），',
            `并在模拟器的客户端页面选择当前登录的成员：${demo.emulator.clientPageURL}`,
            'Login inside the DingTalk client: open the demo with a User-Agent containing "DingTalk"',
            '(e.g. Chrome DevTools → Network conditions → User agent), and pick who is signed in',
            `to the client on the emulator's client page: ${demo.emulator.clientPageURL}`,
          ].join('\n'),
        );
      }
      const stop = () => demo.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error) => {
      if (error.code === 'EADDRINUSE') {
        const other = port < 65535 ? port + 1 : 3001;
        console.error(
          [
            `Could not start the demo: port ${port} is already in use. Stop what uses it, or pick another port: PORT=${other} npm run demo`,
            `无法启动演示：端口 ${port} 已被占用。请停止占用它的程序，或换一个端口：PORT=${other} npm run demo`,
          ].join('\n'),
        );
      } else {
        console.error(`Could not start the demo: ${error.message}`);
      }
      process.exit(1);
    },
  );
}

module.exports = { startDemo };
