import { resolveInClientCorpId } from './in-client-organization';
import type { OAPIMessageLanguage } from './oapi-messages';
import { RedirectPolicy } from './redirect-uri';
import type { DingTalkEmulatorOptions, EmulatorApp, EmulatorUnknownUserIdError, EmulatorUser } from './types';
import { copyUsers, defaultEmulatorUsers } from './users';

/** The emulator's options with every default filled in. */
export interface ResolvedEmulatorOptions {
  clientID: string;
  clientSecret: string;
  redirects: RedirectPolicy;
  users: readonly EmulatorUser[];
  permissions: ReadonlySet<string>;
  app: EmulatorApp;
  /** The organization the app is installed in for in-client login. */
  corpId: string;
  cancelError: string;
  usedCodeError: string;
  oapiMessages: OAPIMessageLanguage;
  unknownUserIdError: EmulatorUnknownUserIdError;
  jsapiOutsideClient: 'silent' | 'reject';
  authCodeTTLSeconds: number;
  accessTokenTTLSeconds: number;
  host: string;
  port: number;
  now: () => number;
}

/**
 * What the app may call: the personal permissions of browser login (`Contact.User.*`), and the
 * organization permissions of in-client login and the member lookup (`qyapi_base` for getuserinfo,
 * `qyapi_get_member` for user/get and getbyunionid; shared reference §3a, §3d).
 */
const defaultPermissions = ['Contact.User.Read', 'Contact.User.mobile', 'qyapi_base', 'qyapi_get_member'];

/** Checks the caller's options (only reading them) and fills in the defaults. */
export function resolveEmulatorOptions(options: DingTalkEmulatorOptions = {}): ResolvedEmulatorOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('DingTalk emulator: the options must be an object');
  }
  const permissions = options.permissions ?? defaultPermissions;
  if (!Array.isArray(permissions) || permissions.some((permission) => typeof permission !== 'string')) {
    throw new TypeError('DingTalk emulator: the "permissions" option must be an array of strings');
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('DingTalk emulator: the "now" option must be a function');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('DingTalk emulator: the "port" option must be an integer from 0 to 65535');
  }
  const clientID = text(options.clientID, 'clientID', 'dingemulatorclientid');
  const clientSecret = text(options.clientSecret, 'clientSecret', 'emulator-client-secret-change-me');
  const redirects = new RedirectPolicy(options.redirectURIs);
  const users = options.users === undefined ? defaultEmulatorUsers : copyUsers(options.users);
  const app = readApp(options.app, users);
  return {
    clientID,
    clientSecret,
    redirects,
    users,
    permissions: new Set(permissions),
    app,
    corpId: resolveInClientCorpId(options.corpId, app, users),
    cancelError: errorCode(options.cancelError, 'cancelError', 'access_denied'),
    usedCodeError: errorCode(options.usedCodeError, 'usedCodeError', 'invalidParameter.authCode.notFound'),
    oapiMessages: oneOf(options.oapiMessages, 'oapiMessages', ['zh', 'en'] as const),
    unknownUserIdError: oneOf(options.unknownUserIdError, 'unknownUserIdError', [60121, 33012] as const),
    jsapiOutsideClient: oneOf(options.jsapiOutsideClient, 'jsapiOutsideClient', ['silent', 'reject'] as const),
    authCodeTTLSeconds: seconds(options.authCodeTTLSeconds, 'authCodeTTLSeconds', 300),
    accessTokenTTLSeconds: seconds(options.accessTokenTTLSeconds, 'accessTokenTTLSeconds', 7200),
    host: text(options.host, 'host', '127.0.0.1'),
    port,
    now,
  };
}

function readApp(app: EmulatorApp | undefined, users: readonly EmulatorUser[]): EmulatorApp {
  if (app === undefined) return { type: 'login' };
  const type = (app as { type?: unknown } | null)?.type;
  const corpId = (app as { corpId?: unknown } | null)?.corpId;
  if (type === 'login' || type === 'third-party-enterprise') {
    if (corpId !== undefined) throw new TypeError('DingTalk emulator: only an internal app has a corpId');
    return { type };
  }
  if (type === 'internal') {
    if (typeof corpId !== 'string' || corpId.trim() === '') {
      throw new TypeError('DingTalk emulator: an internal app needs the corpId of the organization that owns it');
    }
    if (!users.some((user) => user.organizations?.some((org) => org.corpId === corpId))) {
      throw new TypeError(
        `DingTalk emulator: no user belongs to "${corpId}", so nobody could log in to the internal app`,
      );
    }
    return { type, corpId };
  }
  throw new TypeError(
    'DingTalk emulator: the "app" option must be { type: "login" | "internal" | "third-party-enterprise" }',
  );
}

/** An error value DingTalk could send: letters, digits, `_`, `.` and `-`. */
function errorCode(value: string | undefined, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[\w.-]+$/.test(value)) {
    throw new TypeError(`DingTalk emulator: the "${name}" option must be a code such as "${fallback}"`);
  }
  return value;
}

/** One of `allowed`, the first being the default. */
function oneOf<T extends string | number>(value: T | undefined, name: string, allowed: readonly [T, ...T[]]): T {
  if (value === undefined) return allowed[0];
  if (!allowed.includes(value)) {
    throw new TypeError(
      `DingTalk emulator: the "${name}" option must be ${allowed.map((one) => JSON.stringify(one)).join(' or ')}`,
    );
  }
  return value;
}

function text(value: string | undefined, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`DingTalk emulator: the "${name}" option must be a non-empty string`);
  }
  return value;
}

function seconds(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`DingTalk emulator: the "${name}" option must be a number of seconds > 0`);
  }
  return value;
}
