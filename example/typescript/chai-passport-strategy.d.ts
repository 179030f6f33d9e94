// Types for chai-passport-strategy 3, which publishes none. Copy this file into your project, in a folder
// your tsconfig.json includes: it types the plugin and adds `chai.passport` to chai 4's types (@types/chai@4;
// chai 5 is an ES module with types of its own, which this does not fit). The reference below lets a
// build that includes this file but never imports chai (an app's tsconfig with "types": ["node"]) compile.
/// <reference types="chai" />
declare module 'chai-passport-strategy' {
  import type { EventEmitter } from 'node:events';

  /** The plugin: `chai.use(chaiPassportStrategy)` adds `chai.passport`. */
  const chaiPassportStrategy: Chai.ChaiPlugin;

  namespace chaiPassportStrategy {
    /** What `chai.passport.use()` runs: any Passport strategy; `TOptions` is what its `authenticate` takes. */
    interface PassportStrategyLike<TOptions> {
      authenticate(req: never, options?: TOptions): void;
    }

    /** The fake request: `GET /` with no headers, until `request()` fills in what a case needs. */
    interface PassportTestRequest {
      method: string;
      url: string;
      headers: Record<string, string | string[] | undefined>;
      query?: Record<string, unknown>;
      body?: unknown;
      session?: Record<string, unknown>;
      [field: string]: unknown;
    }

    /** The fake response: an EventEmitter whose `end()` emits `finish`. */
    interface PassportTestResponse extends EventEmitter {
      statusCode: number;
      end(data?: unknown, encoding?: string): void;
    }

    /**
     * One run of the strategy's `authenticate(req, options)` on `Object.create(strategy)`, as Passport runs it.
     * Each callback is called with `this` set to the request; an outcome that has no callback throws
     * (`Strategy#fail should not be called`), so register every outcome the case may end in.
     */
    interface PassportTest<TOptions = unknown> {
      /** Prepares the request; a callback that declares `ready` (three parameters) must call it to go on. */
      request(prepare: (req: PassportTestRequest, res: PassportTestResponse, ready: () => void) => void): this;
      /** The strategy called `success(user, info)`. */
      success(callback: (this: PassportTestRequest, user: unknown, info: unknown) => void): this;
      /** The strategy called `fail(challenge, status)` (or `fail(status)`, the number then being `challenge`). */
      fail(callback: (this: PassportTestRequest, challenge: unknown, status?: number) => void): this;
      /** The strategy called `redirect(url, status)`. */
      redirect(callback: (this: PassportTestRequest, url: string, status?: number) => void): this;
      /** The strategy called `pass()`. */
      pass(callback: (this: PassportTestRequest) => void): this;
      /** The strategy called `error(err)`. */
      error(callback: (this: PassportTestRequest, err: unknown) => void): this;
      /** The strategy ended the response itself (`res.end()`). */
      finish(callback: (this: PassportTestResponse) => void): this;
      /** Runs the strategy; the callbacks are called when it answers, often after this returns. */
      authenticate(options?: TOptions): void;
    }
  }

  global {
    namespace Chai {
      interface ChaiStatic {
        /** Added by `chai.use(chaiPassportStrategy)`. */
        passport: {
          /** A test of `strategy`: prepare the request, register the outcomes, then `authenticate()`. */
          use<TOptions>(
            strategy: chaiPassportStrategy.PassportStrategyLike<TOptions>,
          ): chaiPassportStrategy.PassportTest<TOptions>;
        };
      }
    }
  }

  export = chaiPassportStrategy;
}
