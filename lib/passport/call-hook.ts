import { isThenable } from './answer';

/** A node-style callback: an error, or the hook's result. */
export type HookCallback = (err: unknown, result?: unknown) => void;

/**
 * Calls one of the app's hooks (`userProfile`, `lookupMember`) as an app may have written it: it
 * calls back, throws, or returns a promise, perhaps more than one of these. `done` hears the first
 * answer only. A throw or a rejection is an error. What the promise resolves to is the hook's result
 * only where `isResult` says so (an async override that returns its result instead of calling back);
 * anything else it resolves to is not an answer, so a hook that also calls back is heard that way.
 */
export function callHook(
  hook: (...args: never[]) => unknown,
  self: unknown,
  args: unknown[],
  name: string,
  done: HookCallback,
  isResult?: (resolved: unknown) => boolean,
): void {
  let heard = false;
  const once: HookCallback = (err, result) => {
    if (heard) return;
    heard = true;
    done(err, result);
  };
  try {
    const returned = Reflect.apply(hook, self, [...args, once]);
    if (!isThenable(returned)) return;
    returned.then(
      (resolved) => {
        if (isResult?.(resolved)) once(null, resolved);
      },
      (err: unknown) => once(err || new Error(`${name} rejected`)),
    );
  } catch (thrown) {
    once(thrown);
  }
}
