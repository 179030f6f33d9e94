// callHook: how both strategies call the app's userProfile and lookupMember, whichever way the
// app's override answers: a callback, a throw, a promise, or more than one of these.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callHook } from '../lib/passport/call-hook';

type Heard = Array<[unknown, unknown]>;

/** Calls `hook` through callHook and resolves with everything `done` heard, once the promises ran. */
async function answersOf(hook: (...args: never[]) => unknown, isResult?: (value: unknown) => boolean): Promise<Heard> {
  const heard: Heard = [];
  callHook(hook, { name: 'self' }, ['token'], 'userProfile', (err, result) => heard.push([err, result]), isResult);
  await new Promise((resolve) => setImmediate(resolve));
  return heard;
}

describe('callHook', () => {
  it('passes the arguments and this, and hears the first callback only', async () => {
    let seen: unknown[] = [];
    const heard = await answersOf(function (this: unknown, ...args: never[]) {
      seen = [this, ...args.slice(0, 1)];
      const done = args[1] as unknown as (err: unknown, result?: unknown) => void;
      done(null, 'first');
      done(null, 'second');
      done(new Error('third'));
    });
    assert.deepEqual(seen, [{ name: 'self' }, 'token']);
    assert.deepEqual(heard, [[null, 'first']]);
  });

  it('takes a throw for an error, and a throw after the callback for nothing', async () => {
    const thrown = new Error('boom');
    assert.deepEqual(
      await answersOf(() => {
        throw thrown;
      }),
      [[thrown, undefined]],
    );
    assert.deepEqual(
      await answersOf((...args: never[]) => {
        (args[1] as unknown as (err: unknown, result?: unknown) => void)(null, 'done');
        throw thrown;
      }),
      [[null, 'done']],
    );
  });

  it('takes a rejection for an error, naming the hook when it gave no reason', async () => {
    const [[err]] = (await answersOf(() => Promise.reject(undefined))) as [[Error, unknown]];
    assert.equal(err.message, 'userProfile rejected');
  });

  it('takes what a promise resolves to only where isResult says it is a result', async () => {
    assert.deepEqual(await answersOf(async () => 'returned'), []);
    assert.deepEqual(
      await answersOf(
        async () => 'returned',
        (value) => value !== undefined,
      ),
      [[null, 'returned']],
    );
    assert.deepEqual(
      await answersOf(
        async () => undefined,
        (value) => value !== undefined,
      ),
      [],
    );
  });
});
