interface RequestWithProtocol {
  protocol?: unknown;
  headers?: { host?: string | undefined };
}

/**
 * passport-oauth2 resolves a relative callbackURL to `http:` behind a TLS-terminating proxy
 * unless its `proxy` option is set. When that option is left unset, the web framework's own
 * proxy setting decides instead: Express's `req.protocol` honours `app.set('trust proxy')`.
 * Returns undefined when passport-oauth2's own resolution should stand.
 */
export function resolveCallbackURL(
  req: RequestWithProtocol,
  callbackURL: string,
  proxyOption: boolean | undefined,
): string | undefined {
  if (proxyOption !== undefined || /^[a-z][a-z0-9+.-]*:/i.test(callbackURL)) return undefined;
  const protocol = req.protocol;
  const host = req.headers?.host;
  if ((protocol !== 'http' && protocol !== 'https') || !host) return undefined;
  try {
    return new URL(callbackURL, `${protocol}://${host}`).href;
  } catch {
    return undefined;
  }
}
