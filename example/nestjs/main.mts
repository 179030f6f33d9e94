// Starts the app against the real DingTalk, configured through the environment.
import { randomBytes } from 'node:crypto';
import { createApp } from './create-app.mjs';

const app = await createApp({
  // The strategy names any option that is missing.
  dingtalk: {
    clientID: process.env.DINGTALK_CLIENT_ID ?? '',
    clientSecret: process.env.DINGTALK_CLIENT_SECRET ?? '',
    callbackURL: process.env.DINGTALK_CALLBACK_URL ?? '',
  },
  sessionSecret: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
});
await app.listen(Number(process.env.PORT ?? 3000));
