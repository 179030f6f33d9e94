import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { sendAPIError } from './api-response';
import { AppTokenStore } from './app-tokens';
import { membershipRefusal } from './app-type';
import { avatarPathPrefix, handleAvatarRequest } from './avatar';
import { ClientSession } from './client-session';
import type { EmulatorContext } from './context';
import { FaultTable } from './faults';
import { GrantStore } from './grants';
import { InClientCodeStore } from './in-client-codes';
import { type ResolvedEmulatorOptions, resolveEmulatorOptions } from './options';
import { membershipIn } from './organization-membership';
import { paths, refuseMethod, routes, sendUnknownAPI, sendUnknownOAPIMethod, topapiPrefix } from './routes';
import { parseScope } from './scope';
import type {
  DingTalkEmulator,
  DingTalkEmulatorOptions,
  EmulatorCounters,
  EmulatorEndpoint,
  EmulatorFault,
  EmulatorInAppStrategyOptions,
  EmulatorMemberLookupStrategyOptions,
  EmulatorRequestCounters,
  EmulatorStrategyOptions,
  EmulatorUser,
  IssueAuthCodeOptions,
  IssueInAppCodeOptions,
} from './types';

/**
 * Starts an in-process DingTalk: the login page, the v1.0 API, in-client login's oapi endpoints and
 * a stand-in for the DingTalk client on one local HTTP server, with test users, injectable faults
 * and request counters. Close it when done.
 *
 * ```ts
 * const dingtalk = await createDingTalkEmulator();
 * passport.use(new Strategy({ ...dingtalk.strategyOptions(), callbackURL }, verify));
 * // ...
 * await dingtalk.close();
 * ```
 */
export async function createDingTalkEmulator(options?: DingTalkEmulatorOptions): Promise<DingTalkEmulator> {
  const resolved = resolveEmulatorOptions(options);
  const emulator = new RunningEmulator(resolved);
  await emulator.listen(resolved.host, resolved.port);
  return emulator;
}

class RunningEmulator implements DingTalkEmulator {
  readonly clientID: string;
  readonly clientSecret: string;
  readonly #context: EmulatorContext;
  readonly #faults: FaultTable;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #requests: { -readonly [K in keyof EmulatorRequestCounters]: number } = emptyRequestCounters();
  #connections = 0;
  #url = '';
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedEmulatorOptions) {
    this.clientID = options.clientID;
    this.clientSecret = options.clientSecret;
    this.#faults = new FaultTable(options.oapiMessages);
    this.#context = {
      clientID: options.clientID,
      clientSecret: options.clientSecret,
      redirects: options.redirects,
      users: options.users,
      permissions: options.permissions,
      app: options.app,
      cancelError: options.cancelError,
      usedCodeError: options.usedCodeError,
      oapiMessages: options.oapiMessages,
      unknownUserIdError: options.unknownUserIdError,
      grants: new GrantStore(options),
      inClientCorpId: options.corpId,
      appTokens: new AppTokenStore(options),
      inClientCodes: new InClientCodeStore(options),
      jsapiOutsideClient: options.jsapiOutsideClient,
      client: new ClientSession(options.users, options.corpId),
    };
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        if (res.headersSent) res.destroy();
        else sendAPIError(res, 500, 'InternalError', '模拟器内部错误。/ The emulator failed to answer.');
      });
    });
    this.#server.on('connection', (socket: Socket) => {
      this.#connections += 1;
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  get url(): string {
    return this.#url;
  }

  get authorizationURL(): string {
    return this.#url + paths.authorize;
  }

  get tokenURL(): string {
    return this.#url + paths.token;
  }

  get userProfileURL(): string {
    return this.#url + paths.profile;
  }

  get appAccessTokenURL(): string {
    return this.#url + paths.appToken;
  }

  get userInfoURL(): string {
    return this.#url + paths.userInfo;
  }

  get userDetailsURL(): string {
    return this.#url + paths.userDetails;
  }

  get getByUnionIdURL(): string {
    return this.#url + paths.getByUnionId;
  }

  get ddScriptURL(): string {
    return this.#url + paths.ddScript;
  }

  get clientPageURL(): string {
    return this.#url + paths.clientPage;
  }

  get users(): readonly EmulatorUser[] {
    return this.#context.users;
  }

  get counters(): EmulatorCounters {
    return { requests: { ...this.#requests }, connections: this.#connections };
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#url = baseURL(host, (this.#server.address() as AddressInfo).port);
  }

  strategyOptions(options?: { memberLookup?: false }): EmulatorStrategyOptions;
  strategyOptions(options: { memberLookup: true }): EmulatorMemberLookupStrategyOptions;
  strategyOptions(options?: { memberLookup?: boolean }): EmulatorStrategyOptions | EmulatorMemberLookupStrategyOptions;
  strategyOptions(options?: { memberLookup?: boolean }): EmulatorStrategyOptions | EmulatorMemberLookupStrategyOptions {
    const memberLookup = options?.memberLookup;
    if (memberLookup !== undefined && typeof memberLookup !== 'boolean') {
      throw new TypeError('DingTalk emulator: strategyOptions({ memberLookup }) takes true or false');
    }
    const browser: EmulatorStrategyOptions = {
      clientID: this.clientID,
      clientSecret: this.clientSecret,
      authorizationURL: this.authorizationURL,
      tokenURL: this.tokenURL,
      userProfileURL: this.userProfileURL,
    };
    if (!memberLookup) return browser;
    return {
      ...browser,
      memberLookup,
      allowedCorpIds: [this.#context.inClientCorpId],
      accessTokenURL: this.appAccessTokenURL,
      getByUnionIdURL: this.getByUnionIdURL,
      userDetailsURL: this.userDetailsURL,
    };
  }

  issueAuthCode(options: IssueAuthCodeOptions = {}): string {
    const users = this.#context.users;
    const user = options.unionId === undefined ? users[0] : users.find((u) => u.unionId === options.unionId);
    if (!user) throw new TypeError(`DingTalk emulator: no user has the unionId "${options.unionId}"`);
    const refusal = membershipRefusal(this.#context.app, user);
    if (refusal) throw new TypeError(`DingTalk emulator: ${refusal.en}`);
    const scopes = parseScope(options.scope ?? 'openid');
    if (!scopes.ok) throw new TypeError(`DingTalk emulator: ${scopes.problem.en}`);
    let corpId: string | undefined;
    const owner = this.#context.app.type === 'internal' ? this.#context.app.corpId : undefined;
    if (owner !== undefined && options.corpId !== undefined && options.corpId !== owner) {
      throw new TypeError(`DingTalk emulator: an internal app logs in to its own organization "${owner}" only`);
    }
    if (scopes.value.includes('corpid')) {
      corpId = options.corpId ?? owner ?? user.organizations[0]?.corpId;
      if (corpId !== undefined && !user.organizations.some((org) => org.corpId === corpId)) {
        throw new TypeError(`DingTalk emulator: ${user.nick} is not in the organization "${corpId}"`);
      }
    } else if (options.corpId !== undefined) {
      throw new TypeError('DingTalk emulator: a corpId is only granted when the scope contains corpid');
    }
    return this.#context.grants.issueCode({
      clientId: this.clientID,
      unionId: user.unionId,
      scopes: scopes.value,
      corpId,
    });
  }

  inAppStrategyOptions(): EmulatorInAppStrategyOptions {
    return {
      clientID: this.clientID,
      clientSecret: this.clientSecret,
      corpId: this.#context.inClientCorpId,
      accessTokenURL: this.appAccessTokenURL,
      userInfoURL: this.userInfoURL,
      userDetailsURL: this.userDetailsURL,
    };
  }

  issueAppAccessToken(corpId: string = this.#context.inClientCorpId): string {
    const app = this.#context.app;
    if (app.type === 'internal' && corpId !== app.corpId) {
      throw new TypeError(
        `DingTalk emulator: an internal app has tokens for its own organization "${app.corpId}" only`,
      );
    }
    if (!this.#context.users.some((user) => membershipIn(user, corpId))) {
      throw new TypeError(`DingTalk emulator: no user belongs to the organization "${corpId}"`);
    }
    return this.#context.appTokens.mint(corpId);
  }

  revokeAppTokens(): void {
    this.#context.appTokens.revokeAll();
  }

  issueInAppCode(options: IssueInAppCodeOptions = {}): string {
    const corpId = options.corpId ?? this.#context.inClientCorpId;
    const user =
      options.unionId === undefined
        ? this.#context.client.signedIn.user
        : this.#context.users.find((candidate) => candidate.unionId === options.unionId);
    if (!user) throw new TypeError(`DingTalk emulator: no user has the unionId "${options.unionId}"`);
    if (!membershipIn(user, corpId)) {
      throw new TypeError(`DingTalk emulator: ${user.nick} is not a member of the organization "${corpId}"`);
    }
    return this.#context.inClientCodes.issue({ clientId: this.clientID, corpId, unionId: user.unionId });
  }

  signInToClient(unionId: string): void {
    if (!this.#context.client.signIn(unionId)) {
      throw new TypeError(
        `DingTalk emulator: only a member of "${this.#context.inClientCorpId}" can sign in to the client, not "${unionId}"`,
      );
    }
  }

  resetCounters(): void {
    this.#requests = emptyRequestCounters();
    this.#connections = 0;
  }

  inject(endpoint: EmulatorEndpoint, fault: EmulatorFault): void {
    this.#faults.inject(endpoint, fault);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve, reject) => {
      this.#faults.cancelTimers();
      this.#server.close((error) => (error ? reject(error) : resolve()));
      // server.close() only waits for connections to end; keep-alive and hanging ones never would.
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = queryStart === -1 ? target : target.slice(0, queryStart);
    const route = routes.get(path);
    this.#requests[route?.counter ?? 'other'] += 1;
    if (!route && req.method === 'GET' && path.startsWith(avatarPathPrefix)) {
      handleAvatarRequest(this.#context.users, path, res);
      return;
    }
    if (!route && path.startsWith(topapiPrefix)) {
      sendUnknownOAPIMethod(path, res);
      return;
    }
    if (!route) {
      sendUnknownAPI(res);
      return;
    }
    const fault = route.fault && this.#faults.take(route.fault);
    if (fault && route.host !== 'emulator' && (await this.#faults.apply(fault, req, res, route.host)) === 'answered') {
      return;
    }
    if (!route.methods.includes(req.method ?? '')) {
      refuseMethod(this.#context, route, res);
      return;
    }
    const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));
    await route.handle(this.#context, req, res, query);
  }
}

function emptyRequestCounters(): { -readonly [K in keyof EmulatorRequestCounters]: number } {
  return {
    authorize: 0,
    consent: 0,
    token: 0,
    profile: 0,
    appToken: 0,
    userInfo: 0,
    userDetails: 0,
    getByUnionId: 0,
    client: 0,
    other: 0,
  };
}

/** The URL clients should use: a wildcard address is reached through loopback. */
function baseURL(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
