import { PassThrough } from 'node:stream';
import { Response } from 'node-fetch';
import type { FetchFunction } from '../lib/index';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

const tokenBody = json({ accessToken: 'a'.repeat(32), refreshToken: 'b'.repeat(32), expireIn: 7200 });
// The shape and size of the emulator's answer for its first user.
const profileBody = json({
  nick: '张三',
  avatarUrl: 'http://127.0.0.1:3980/avatars/union-zhangsan.svg',
  mobile: '13800000001',
  stateCode: '86',
  openId: 'open-zhangsan',
  unionId: 'union-zhangsan',
  email: 'zhangsan@example.com',
  visitor: false,
});

export const fakeUnionId = 'union-zhangsan';
/** The organization of the member lookup's answers, and the user's id in it. */
export const fakeCorpId = 'dingemulatorcorp0001';
export const fakeUserId = 'zhangsan';

// The emulator's answers with scope "openid corpid" and for the member lookup, for the same user.
const memberTokenBody = json({
  accessToken: 'a'.repeat(32),
  refreshToken: 'b'.repeat(32),
  expireIn: 7200,
  corpId: fakeCorpId,
});
const appTokenBody = json({ accessToken: 'd'.repeat(32), expireIn: 7200 });
const unionIdBody = json({
  errcode: 0,
  errmsg: 'ok',
  result: { contact_type: 0, userid: fakeUserId },
  request_id: '4rf0uex1gkapp',
});
const detailsBody = json({
  errcode: 0,
  errmsg: 'ok',
  result: {
    userid: fakeUserId,
    unionid: fakeUnionId,
    name: '张三',
    avatar: 'http://127.0.0.1:3980/avatars/union-zhangsan.svg',
    state_code: '86',
    mobile: '13800000001',
    hide_mobile: false,
    title: '技术总监',
    job_number: 'E0001',
    email: 'zhangsan@example.com',
    org_email: 'zhangsan@shili.example.com',
    dept_id_list: [1],
    hired_date: 1551369600000,
    active: true,
    admin: true,
    boss: false,
    senior: false,
    real_authed: true,
    exclusive_account: false,
    leader_in_dept: [{ dept_id: 1, leader: true }],
    role_list: [{ id: 1001, name: '主管理员', group_name: '管理员' }],
  },
  request_id: 'gn7qn5hc7ztyd',
});

/** App token answers the member lookup's fake gave: the strategy caches the token per app. */
export const fakeAnswers = { appToken: 0 };

/** A node-fetch Response streaming `body`, as node-fetch builds it from a socket. */
function answer(body: Buffer): Response {
  const stream = new PassThrough();
  const headers = {
    'content-type': 'application/json;charset=utf-8',
    'content-length': String(body.length),
    'x-acs-request-id': '0123456789ABCDEF0123456789ABCDEF',
  };
  const response = new Response(stream, { status: 200, headers });
  stream.end(body);
  return response;
}

/**
 * DingTalk without sockets: node-fetch Responses streaming canned answers, as node-fetch builds
 * them from a socket, so that only JavaScript is measured. It ignores the signal it is given.
 */
export const fakeFetch: FetchFunction = async (url) =>
  answer(url.endsWith('/userAccessToken') ? tokenBody : profileBody);

/**
 * The same for `memberLookup: true`: the token answer names the organization, and the app token,
 * getbyunionid and user/get answer too (the oapi URLs carry `?access_token=`).
 */
export const memberLookupFakeFetch: FetchFunction = async (url) => {
  if (url.endsWith('/userAccessToken')) return answer(memberTokenBody);
  if (url.endsWith('/users/me')) return answer(profileBody);
  if (url.includes('/topapi/user/getbyunionid?')) return answer(unionIdBody);
  if (url.includes('/topapi/v2/user/get?')) return answer(detailsBody);
  if (url.endsWith('/oauth2/accessToken')) {
    fakeAnswers.appToken += 1;
    return answer(appTokenBody);
  }
  throw new Error(`the fake DingTalk does not answer ${url}`);
};

/** The same two requests written by hand: what any login must spend on them. */
export async function bareLogin(): Promise<string> {
  const token = JSON.parse(await (await fakeFetch('https://dingtalk/v1.0/oauth2/userAccessToken', noInit)).text());
  const profile = JSON.parse(await (await fakeFetch('https://dingtalk/v1.0/contact/users/me', noInit)).text());
  if (typeof token.accessToken !== 'string') throw new Error('no access token');
  return profile.unionId as string;
}

/**
 * The four requests of a member lookup login written by hand, the app token already at hand (the
 * strategy caches it): token, profile, getbyunionid, user/get.
 */
export async function bareMemberLogin(): Promise<string> {
  const fetchJSON = async (url: string) => JSON.parse(await (await memberLookupFakeFetch(url, noInit)).text());
  const token = await fetchJSON('https://dingtalk/v1.0/oauth2/userAccessToken');
  const profile = await fetchJSON('https://dingtalk/v1.0/contact/users/me');
  if (typeof token.accessToken !== 'string' || token.corpId !== fakeCorpId) throw new Error('no access token');
  const found = await fetchJSON('https://oapi/topapi/user/getbyunionid?access_token=d');
  const details = await fetchJSON('https://oapi/topapi/v2/user/get?access_token=d');
  if (found.result.userid !== details.result.userid) throw new Error('another member');
  return profile.unionId as string;
}

const noInit = { method: 'GET', headers: {}, signal: new AbortController().signal, redirect: 'manual' } as const;
