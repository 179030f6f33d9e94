import type { AppTokenStore } from './app-tokens';
import type { ClientSession } from './client-session';
import type { GrantStore } from './grants';
import type { InClientCodeStore } from './in-client-codes';
import type { OAPIMessageLanguage } from './oapi-messages';
import type { RedirectPolicy } from './redirect-uri';
import type { EmulatorApp, EmulatorUnknownUserIdError, EmulatorUser } from './types';

/** What the endpoint handlers share: the emulated app, its users, the issued grants and tokens. */
export interface EmulatorContext {
  clientID: string;
  clientSecret: string;
  redirects: RedirectPolicy;
  users: readonly EmulatorUser[];
  permissions: ReadonlySet<string>;
  app: EmulatorApp;
  cancelError: string;
  usedCodeError: string;
  /** The language of the errmsg texts at oapi. */
  oapiMessages: OAPIMessageLanguage;
  /** user/get's errcode for a userid that names no member. */
  unknownUserIdError: EmulatorUnknownUserIdError;
  grants: GrantStore;
  /** The organization the app is installed in for in-client login. */
  inClientCorpId: string;
  appTokens: AppTokenStore;
  inClientCodes: InClientCodeStore;
  /** What dd.js does outside the DingTalk client: nothing (`'silent'`) or reject at once. */
  jsapiOutsideClient: 'silent' | 'reject';
  /** Who is signed in to the emulated DingTalk client. */
  client: ClientSession;
}
