import { isThenable } from './answer';

/** Ends the verify callback: an error, a user (login succeeds) or `false` with an info message. */
export type VerifyCallback = (err?: unknown, user?: Express.User | false, info?: object) => void;

type AnyVerify = (...args: unknown[]) => unknown;

/**
 * Calls the app's verify with `args` and a `done` of which only the first call counts, both
 * strategies alike. An async verify that declares no `done` answers with what it resolves to
 * (nothing fails the login); one that declares `done` must call it: what it resolves to is not
 * taken for a user (a callback API's handle returned by mistake would log someone in). A rejection
 * is an error. A throw is the caller's to catch.
 */
export function callVerify(verify: AnyVerify, self: unknown, args: unknown[], done: VerifyCallback): void {
  let settled = false;
  const once: VerifyCallback = (err, user, info) => {
    if (settled) return;
    settled = true;
    done(err, user, info);
  };
  const takesDone = verify.length > args.length;
  const result = verify.apply(self, [...args, once]);
  if (!isThenable(result)) return;
  result.then(
    (user) => {
      if (!takesDone) once(null, (user ?? false) as Express.User | false);
    },
    (error: unknown) => once(error || new Error('verify rejected without a reason')),
  );
}
