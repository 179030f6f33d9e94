// Talking to the emulator over real HTTP, as DingTalk's clients do, for the emulator's own tests.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { createDingTalkEmulator, type DingTalkEmulator, type DingTalkEmulatorOptions } from '../../lib/testing/index';

/** An answer, its body read as text. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export type JSONObject = Record<string, unknown>;

/** The emulators a describe block started, closed in its `after`. */
export function emulators() {
  const started: DingTalkEmulator[] = [];
  after(() => Promise.all(started.map((emulator) => emulator.close())));
  return async (options: DingTalkEmulatorOptions = {}) => {
    const emulator = await createDingTalkEmulator({ host: '127.0.0.1', port: 0, ...options });
    started.push(emulator);
    return emulator;
  };
}

/** A request whose redirects are answered as they come, never followed. */
export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export function postJSON(url: string, body: unknown): Promise<Answer> {
  return send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A clock a test moves by hand. */
export function manualClock() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return {
    now: () => now,
    advanceSeconds(seconds: number) {
      now += seconds * 1000;
    },
  };
}

/** `url` with the app token in its query, as oapi takes it; left as it is without one. */
export function withToken(url: string, token: string | undefined): string {
  return token === undefined ? url : `${url}?access_token=${encodeURIComponent(token)}`;
}

/** The app token `/v1.0/oauth2/accessToken` hands out: the in-client organization's. */
export async function appToken(emulator: DingTalkEmulator): Promise<string> {
  const answer = await postJSON(emulator.appAccessTokenURL, {
    appKey: emulator.clientID,
    appSecret: emulator.clientSecret,
  });
  assert.equal(answer.status, 200, answer.text);
  return (JSON.parse(answer.text) as { accessToken: string }).accessToken;
}

/** Checks the oapi answer shape (HTTP 200, errcode, errmsg, request_id) and returns the body. */
export function oapiAnswer(answer: Answer): JSONObject {
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
  assert.equal(answer.headers.get('x-acs-request-id'), null, 'oapi has no v1.0 request id header');
  const json = JSON.parse(answer.text) as JSONObject;
  assert.equal(typeof json.errcode, 'number');
  assert.equal(typeof json.errmsg, 'string');
  assert.match(json.request_id as string, /^[0-9a-z]{13}$/);
  return json;
}

/** An oapi error: `errcode` and `errmsg`, and nothing else but the request id. */
export function assertOAPIError(answer: Answer, errcode: number, errmsg: string): void {
  const json = oapiAnswer(answer);
  assert.deepEqual({ ...json, request_id: undefined }, { errcode, errmsg, request_id: undefined }, answer.text);
}

/**
 * A refused app token as topapi answers it: errcode 88 (鉴权异常), the actual code in `sub_code`
 * (a live probe's log; cryozerolabs/n8n-nodes-dingtalk#12), never errcode 40014 itself.
 */
export function assertWrappedTokenError(answer: Answer, subCode: string, subMessage: string): void {
  const json = oapiAnswer(answer);
  assert.deepEqual(json, {
    errcode: 88,
    sub_code: subCode,
    sub_msg: subMessage,
    errmsg: `ding talk error[subcode=${subCode},submsg=${subMessage}]`,
    request_id: json.request_id,
  });
}
