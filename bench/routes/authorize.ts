import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';

export interface AuthorizeSettings {
  authorizationURL: string;
  clientID: string;
  callbackURL: string;
  scope: string;
  /** Keep a random state under this session key, as passport-oauth2's `state: true` does; none when absent. */
  stateSessionKey?: string;
}

/**
 * A bare route that sends the browser to the same authorize URL as the strategy: the same
 * parameters in the same order, the state kept in the session the same way, and the redirect
 * answered the way passport answers it (no body, unlike Express's `res.redirect`).
 */
export function bareAuthorizeRoute(settings: AuthorizeSettings): RequestHandler {
  const { authorizationURL, clientID, callbackURL, scope, stateSessionKey } = settings;
  return (req: Request, res: Response) => {
    const params = new URLSearchParams({ prompt: 'consent', response_type: 'code', redirect_uri: callbackURL, scope });
    if (stateSessionKey) {
      // passport-oauth2 draws 24 characters from crypto.randomBytes too (uid2).
      const state = randomBytes(18).toString('base64url');
      (req.session as unknown as Record<string, unknown>)[stateSessionKey] = { state };
      params.set('state', state);
    }
    params.set('client_id', clientID);
    res.statusCode = 302;
    res.setHeader('Location', `${authorizationURL}?${params}`);
    res.setHeader('Content-Length', '0');
    res.end();
  };
}
