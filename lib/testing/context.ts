import type { GrantStore } from './grants';
import type { RedirectPolicy } from './redirect-uri';
import type { EmulatorApp, EmulatorUser } from './types';

/** What the endpoint handlers share: the emulated app, its users and the issued grants. */
export interface EmulatorContext {
  clientID: string;
  clientSecret: string;
  redirects: RedirectPolicy;
  users: readonly EmulatorUser[];
  permissions: ReadonlySet<string>;
  app: EmulatorApp;
  cancelError: string;
  usedCodeError: string;
  grants: GrantStore;
}
