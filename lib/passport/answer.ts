/** The ways passport lets a strategy answer a request. */
export type Outcome = 'success' | 'fail' | 'error' | 'redirect' | 'pass';

/** What passport attaches to `Object.create(strategy)` for one request. */
export type PassportActions = Partial<Record<Outcome, (...args: unknown[]) => unknown>>;

/** Where a request's {@link LoginAnswer} is kept on the per-request strategy object. */
export const answerKey: unique symbol = Symbol('passport-dingtalk-oauth2 answer');

/**
 * One request's answer, the one rule both strategies follow: the actions passport attached for
 * this request, read when it starts (on a shared strategy instance a concurrent request replaces
 * them), of which only the first call counts. A throw from the code that takes the answer (a
 * custom callback that rethrows, an assertion in a test) is never a second answer: during
 * `authenticate()` it leaves through {@link LoginAnswer.endOfAuthenticate}, as it would from
 * passport-oauth2; later it can reach no caller and becomes a warning.
 */
export class LoginAnswer {
  /** True once the request has its answer. */
  answered = false;
  /** The object passport attached this request's actions to. */
  protected readonly attempt: object;
  readonly #actions: PassportActions;
  #synchronous = true;
  #thrown: { error: unknown } | undefined;

  constructor(attempt: PassportActions) {
    this.attempt = attempt;
    const { success, fail, error, redirect, pass } = attempt;
    this.#actions = { success, fail, error, redirect, pass };
  }

  /** Gives the answer, unless the request has one already. */
  give(outcome: Outcome, args: unknown[]): void {
    if (this.answered) return;
    this.answered = true;
    try {
      this.#actions[outcome]?.apply(this.attempt, args);
    } catch (thrown) {
      if (this.#synchronous) this.#thrown = { error: thrown };
      else warnAboutThrow(outcome, thrown);
    }
  }

  fail(challenge: unknown, status?: number): void {
    this.give('fail', status === undefined ? [challenge] : [challenge, status]);
  }

  error(error: unknown): void {
    this.give('error', [error]);
  }

  /** Called as `authenticate()` returns: a throw from an answer given until now leaves with it. */
  endOfAuthenticate(): void {
    this.#synchronous = false;
    if (this.#thrown) throw this.#thrown.error;
  }
}

/**
 * Hands `work`'s outcome to a node-style callback, as the strategies' `userProfile` does. A throw
 * from the callback (a subclass's code after `super.userProfile`) goes to the login's `error()`,
 * never into an unhandled rejection; outside a login there is no one else to tell, and it is
 * left to the process, as a throw from any callback would be.
 */
export function callBack<T>(owner: unknown, work: Promise<T>, done: (err: unknown, value?: T) => void): void {
  const settle = (err: unknown, value?: T) => {
    try {
      done(err, value);
    } catch (thrown) {
      // `owner` is the object passport called `authenticate()` on, holding the login's answer.
      const answer = (owner as { [answerKey]?: LoginAnswer } | null)?.[answerKey];
      if (!answer) throw thrown;
      answer.error(thrown);
    }
  };
  work.then((value) => settle(null, value), settle);
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Warns that the code that took an answer threw, once the throw can no longer reach a caller. */
function warnAboutThrow(outcome: string, thrown: unknown): void {
  const said = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  process.emitWarning(`passport-dingtalk-oauth2: the code that took the login's ${outcome}() threw: ${said}`, {
    type: 'PassportDingTalkWarning',
    detail: thrown instanceof Error ? thrown.stack : undefined,
  });
}
