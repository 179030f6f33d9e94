import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendAPIError } from './api-response';
import { handleAppTokenRequest } from './app-token-endpoint';
import { ddScriptPath, handleClientAuthCode, handleClientPage, handleDDScript } from './client-endpoints';
import { clientPagePath } from './client-page';
import { consentPath } from './consent-page';
import type { EmulatorContext } from './context';
import { clientAuthCodePath } from './dd-shim';
import type { DingTalkHost } from './faults';
import { handleGetByUnionIdRequest } from './get-by-unionid-endpoint';
import { handleAuthorize, handleConsent } from './login-endpoints';
import { oapiText } from './oapi-messages';
import { sendOAPIError } from './oapi-response';
import { handleProfileRequest } from './profile-endpoint';
import { handleTokenRequest } from './token-endpoint';
import type { EmulatorEndpoint, EmulatorRequestCounters } from './types';
import { handleUserDetailsRequest } from './user-details-endpoint';
import { handleUserInfoRequest } from './userinfo-endpoint';

/**
 * The paths DingTalk uses (shared references: browser login §1, §3, §4; in-client login §2a, §3a,
 * §3d; member lookup); all its hosts are served from one origin, beside the emulator's own
 * `/emulator/` pages.
 */
export const paths = {
  authorize: '/oauth2/auth',
  token: '/v1.0/oauth2/userAccessToken',
  profile: '/v1.0/contact/users/me',
  appToken: '/v1.0/oauth2/accessToken',
  userInfo: '/topapi/v2/user/getuserinfo',
  userDetails: '/topapi/v2/user/get',
  getByUnionId: '/topapi/user/getbyunionid',
  ddScript: ddScriptPath,
  clientPage: clientPagePath,
  clientAuthCode: clientAuthCodePath,
} as const;

export interface Route {
  counter: keyof EmulatorRequestCounters;
  /** The endpoint whose faults apply; the consent form and the emulator's own pages have none. */
  fault?: EmulatorEndpoint;
  methods: readonly string[];
  /** Which DingTalk host answers, or the emulator itself (the stand-in for the DingTalk client). */
  host: DingTalkHost | 'emulator';
  handle(context: EmulatorContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): unknown;
}

export const routes = new Map<string, Route>([
  [
    paths.authorize,
    {
      counter: 'authorize',
      fault: 'authorize',
      methods: ['GET'],
      host: 'login',
      handle: (context, _req, res, query) => handleAuthorize(context, query, res),
    },
  ],
  [
    consentPath,
    {
      counter: 'consent',
      methods: ['POST'],
      host: 'login',
      handle: (context, req, res) => handleConsent(context, req, res),
    },
  ],
  [
    paths.token,
    {
      counter: 'token',
      fault: 'token',
      methods: ['POST'],
      host: 'api',
      handle: (context, req, res) => handleTokenRequest(context, req, res),
    },
  ],
  [
    paths.profile,
    {
      counter: 'profile',
      fault: 'profile',
      methods: ['GET'],
      host: 'api',
      handle: (context, req, res) => handleProfileRequest(context, req, res),
    },
  ],
  [
    paths.appToken,
    {
      counter: 'appToken',
      fault: 'app-token',
      methods: ['POST'],
      host: 'api',
      handle: (context, req, res) => handleAppTokenRequest(context, req, res),
    },
  ],
  [
    paths.userInfo,
    {
      counter: 'userInfo',
      fault: 'userinfo',
      methods: ['POST'],
      host: 'oapi',
      handle: (context, req, res, query) => handleUserInfoRequest(context, req, res, query),
    },
  ],
  [
    paths.userDetails,
    {
      counter: 'userDetails',
      fault: 'user-details',
      methods: ['POST'],
      host: 'oapi',
      handle: (context, req, res, query) => handleUserDetailsRequest(context, req, res, query),
    },
  ],
  [
    paths.getByUnionId,
    {
      counter: 'getByUnionId',
      fault: 'getbyunionid',
      methods: ['POST'],
      host: 'oapi',
      handle: (context, req, res, query) => handleGetByUnionIdRequest(context, req, res, query),
    },
  ],
  [
    paths.ddScript,
    {
      counter: 'client',
      methods: ['GET'],
      host: 'emulator',
      handle: (context, req, res) => handleDDScript(context, req, res),
    },
  ],
  [
    paths.clientPage,
    {
      counter: 'client',
      methods: ['GET', 'POST'],
      host: 'emulator',
      handle: (context, req, res) => handleClientPage(context, req, res),
    },
  ],
  [
    paths.clientAuthCode,
    {
      counter: 'client',
      methods: ['POST', 'OPTIONS'],
      host: 'emulator',
      handle: (context, req, res) => handleClientAuthCode(context, req, res),
    },
  ],
]);

/** The answer to a method a route does not take, in the manner of its host. */
export function refuseMethod(context: EmulatorContext, route: Route, res: ServerResponse): void {
  switch (route.host) {
    case 'login':
    case 'api':
      // DingTalk's gateway knows an API by its path and method together: another method is another,
      // unknown API (as reported for its v1.0 endpoints; docs/dingtalk-answers.md).
      sendUnknownAPI(res);
      return;
    case 'oapi':
      // oapi answers every error on HTTP 200. What it answers another method is not published: 43002
      // "需要POST请求" is the code of DingTalk's older global error table for it, a guess.
      sendOAPIError(res, 43002, oapiText('notPost', context.oapiMessages));
      return;
    case 'emulator': {
      const text = `请使用 ${route.methods.join(' 或 ')}。/ Use ${route.methods.join(' or ')}.`;
      res.writeHead(405, {
        allow: route.methods.join(', '),
        'content-type': 'text/plain;charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        'cache-control': 'no-store',
      });
      res.end(text);
      return;
    }
  }
}

/**
 * oapi's answer to a `/topapi/` path it does not serve: HTTP 200, errcode 22 "Invalid method[…]"
 * (as reported for real topapi calls), the error of the open platform topapi runs on. That the
 * brackets hold the method's name in the form `dingtalk.oapi.v2.user.get` is a guess.
 */
export function sendUnknownOAPIMethod(path: string, res: ServerResponse): void {
  const name = ['dingtalk', 'oapi', ...path.slice(topapiPrefix.length).split('/').filter(Boolean)].join('.');
  sendOAPIError(res, 22, `Invalid method[${name}]`);
}

/** Where oapi's topapi methods live. */
export const topapiPrefix = '/topapi/';

/** DingTalk's answer to a path (or a path and method) it does not know. */
export function sendUnknownAPI(res: ServerResponse): void {
  sendAPIError(res, 404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
}
