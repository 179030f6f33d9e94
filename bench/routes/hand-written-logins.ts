import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import nodeFetch from 'node-fetch';

/** Where the hand-written logins send their two requests, and the app's credentials. */
export interface DingTalkEndpoints {
  clientID: string;
  clientSecret: string;
  tokenURL: string;
  userProfileURL: string;
}

/** What a route needs to send one request and read the whole answer. */
type SendRequest = (
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
) => Promise<{ status: number; text: string }>;

/**
 * The login the strategy is measured against: the same two requests (the same JSON body, the
 * same headers the strategy sets), each answer parsed once, and the same `req.login`. No timeout,
 * no size bound, no error classification: that is what the strategy adds.
 */
function handWrittenLogin(dingtalk: DingTalkEndpoints, send: SendRequest): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const body = JSON.stringify({
        clientId: dingtalk.clientID,
        clientSecret: dingtalk.clientSecret,
        code: req.query.authCode,
        grantType: 'authorization_code',
      });
      const tokenAnswer = await send(
        dingtalk.tokenURL,
        'POST',
        { 'content-type': 'application/json', accept: 'application/json' },
        body,
      );
      const token = JSON.parse(tokenAnswer.text) as { accessToken?: unknown };
      if (tokenAnswer.status !== 200 || typeof token.accessToken !== 'string') {
        throw new Error(`token endpoint answered ${tokenAnswer.status}`);
      }
      const profileAnswer = await send(dingtalk.userProfileURL, 'GET', {
        accept: 'application/json',
        'x-acs-dingtalk-access-token': token.accessToken,
      });
      const profile = JSON.parse(profileAnswer.text) as { unionId?: unknown };
      if (profileAnswer.status !== 200 || typeof profile.unionId !== 'string') {
        throw new Error(`profile endpoint answered ${profileAnswer.status}`);
      }
      req.login({ id: profile.unionId }, (error) => (error ? next(error) : answerLogin(req, res)));
    } catch (error) {
      next(error);
    }
  };
}

/** The answer of every login route, so that all of them send the same bytes. */
export function answerLogin(req: Request, res: Response): void {
  res.json({ user: req.user });
}

/** node-fetch v2 with a keep-alive agent: what the strategy uses under the hood. */
export function nodeFetchLogin(dingtalk: DingTalkEndpoints): RequestHandler {
  const agent = new Agent({ keepAlive: true });
  return handWrittenLogin(dingtalk, async (url, method, headers, body) => {
    const response = await nodeFetch(
      url,
      body === undefined ? { method, headers, agent } : { method, headers, body, agent },
    );
    return { status: response.status, text: await response.text() };
  });
}

/** Plain node:http with a keep-alive agent: the floor. */
export function nodeHttpLogin(dingtalk: DingTalkEndpoints): RequestHandler {
  const agent = new Agent({ keepAlive: true });
  return handWrittenLogin(
    dingtalk,
    (url, method, headers, body) =>
      new Promise((resolve, reject) => {
        const requestHeaders: OutgoingHttpHeaders = { ...headers };
        if (body !== undefined) requestHeaders['content-length'] = Buffer.byteLength(body);
        const outgoing = httpRequest(url, { method, headers: requestHeaders, agent }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        });
        outgoing.on('error', reject);
        outgoing.end(body);
      }),
  );
}
