#!/usr/bin/env node
// Starts a DingTalk emulator for trying a login by hand: `node dist/testing/cli.js --port 3980`.
import { parseArgs } from 'node:util';

import { createDingTalkEmulator } from './emulator';
import type { DingTalkEmulatorOptions } from './types';

const command = 'passport-dingtalk-oauth2-emulator';

const usage = `Usage: ${command} [options]

Runs a local DingTalk (钉钉) login page and API for passport-dingtalk-oauth2.
In-client login (免登) too: a dd.js stand-in and a page playing the DingTalk client.

Options:
  --port <n>            port to listen on (default: $PORT, else 3980; 0 picks a free one)
  --host <address>      interface to listen on (default 127.0.0.1)
  --client-id <id>      the app's ClientId (default dingemulatorclientid)
  --client-secret <s>   the app's ClientSecret (default emulator-client-secret-change-me)
  --redirect-uri <url>  a registered redirect URL; repeatable (default: any loopback URL)
  -h, --help            show this help

In-client login (免登) options:
  --corp-id <id>        the organization the app is installed in: the one whose app token the
                        emulator hands out and whose members its client page offers
                        (default dingemulatorcorp0001)

The users, the app type and the other settings are options of createDingTalkEmulator() in
passport-dingtalk-oauth2/testing; start the emulator from a script to change them.`;

const defaultPort = 3980;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'corp-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const options: DingTalkEmulatorOptions = { port: readPort(values.port ?? process.env.PORT) };
  if (values.host !== undefined) options.host = values.host;
  if (values['client-id'] !== undefined) options.clientID = values['client-id'];
  if (values['client-secret'] !== undefined) options.clientSecret = values['client-secret'];
  if (values['redirect-uri'] !== undefined) options.redirectURIs = values['redirect-uri'];
  if (values['corp-id'] !== undefined) options.corpId = values['corp-id'];

  const emulator = await createDingTalkEmulator(options);
  // Listening for the signals before saying how to stop: a SIGTERM sent on reading that line
  // would otherwise kill the process before it closes the emulator.
  const stop = (signal: NodeJS.Signals) => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    console.log(`\n${signal}: closing the emulator.`);
    emulator.close().catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  console.log(`DingTalk emulator listening on ${emulator.url}

  authorize page  ${emulator.authorizationURL}
  token endpoint  ${emulator.tokenURL}
  profile         ${emulator.userProfileURL}
  client id       ${emulator.clientID}
  client secret   ${emulator.clientSecret}
  users           ${emulator.users.map((user) => `${user.nick} (${user.unionId})`).join(', ')}

In-client login (免登), in a page opened with a User-Agent containing "DingTalk":
  corpId          ${emulator.inAppStrategyOptions().corpId}
  dd.js shim      ${emulator.ddScriptURL}
  client page     ${emulator.clientPageURL}  (pick who is signed in to the DingTalk client)
  app token       ${emulator.appAccessTokenURL}
  getuserinfo     ${emulator.userInfoURL}
  user details    ${emulator.userDetailsURL}

Member lookup after a browser login (the Strategy options with memberLookup: true), with the app
token and user details above:
  getbyunionid    ${emulator.getByUnionIdURL}

Strategy options (add your callbackURL):
${JSON.stringify(emulator.strategyOptions(), null, 2)}

Press Ctrl+C to stop.`);
}

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return defaultPort;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${command}: the port must be an integer from 0 to 65535, not "${value}"`);
  }
  return port;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
