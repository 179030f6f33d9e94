import { PassThrough } from 'node:stream';
import { Response } from 'node-fetch';
import type { FetchFunction } from '../lib/index';

const tokenBody = Buffer.from(
  JSON.stringify({ accessToken: 'a'.repeat(32), refreshToken: 'b'.repeat(32), expireIn: 7200 }),
);
// The shape and size of the emulator's answer for its first user.
const profileBody = Buffer.from(
  JSON.stringify({
    nick: '张三',
    avatarUrl: 'http://127.0.0.1:3980/avatars/union-zhangsan.svg',
    mobile: '13800000001',
    stateCode: '86',
    openId: 'open-zhangsan',
    unionId: 'union-zhangsan',
    email: 'zhangsan@example.com',
    visitor: false,
  }),
);

export const fakeUnionId = 'union-zhangsan';

/**
 * DingTalk without sockets: node-fetch Responses streaming canned answers, as node-fetch builds
 * them from a socket, so that only JavaScript is measured. It ignores the signal it is given.
 */
export const fakeFetch: FetchFunction = async (url) => {
  const body = url.endsWith('/userAccessToken') ? tokenBody : profileBody;
  const stream = new PassThrough();
  const headers = {
    'content-type': 'application/json;charset=utf-8',
    'content-length': String(body.length),
    'x-acs-request-id': '0123456789ABCDEF0123456789ABCDEF',
  };
  const response = new Response(stream, { status: 200, headers });
  stream.end(body);
  return response;
};

/** The same two requests written by hand: what any login must spend on them. */
export async function bareLogin(): Promise<string> {
  const token = JSON.parse(await (await fakeFetch('https://dingtalk/v1.0/oauth2/userAccessToken', noInit)).text());
  const profile = JSON.parse(await (await fakeFetch('https://dingtalk/v1.0/contact/users/me', noInit)).text());
  if (typeof token.accessToken !== 'string') throw new Error('no access token');
  return profile.unionId as string;
}

const noInit = { method: 'GET', headers: {}, signal: new AbortController().signal, redirect: 'manual' } as const;
