// Starts the app against the real DingTalk, configured through the environment.
import { createApp } from './create-app.mjs';

// A random fallback would log everyone out on each restart, and differ between instances.
if (!process.env.SESSION_SECRET) throw new Error('SESSION_SECRET must be set: the key that signs the session cookie');

const app = await createApp({
  // The strategy names any option that is missing.
  dingtalk: {
    clientID: process.env.DINGTALK_CLIENT_ID ?? '',
    clientSecret: process.env.DINGTALK_CLIENT_SECRET ?? '',
    callbackURL: process.env.DINGTALK_CALLBACK_URL ?? '',
  },
  sessionSecret: process.env.SESSION_SECRET,
});
await app.listen(Number(process.env.PORT ?? 3000));
