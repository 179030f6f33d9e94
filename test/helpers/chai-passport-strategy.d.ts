// chai-passport-strategy 3.x has no published types: the harness as these tests use it.
declare module 'chai-passport-strategy' {
  import type { Strategy } from 'passport';

  /** The fake request the harness builds; a test fills in what its case needs. */
  export interface PassportTestRequest {
    method: string;
    url: string;
    headers: Record<string, string>;
    query?: Record<string, unknown>;
    body?: unknown;
    session?: Record<string, unknown>;
    [field: string]: unknown;
  }

  /** One run of `strategy.authenticate` on `Object.create(strategy)`, as passport runs it. */
  export interface PassportTest {
    request(prepare: (req: PassportTestRequest) => void): this;
    success(callback: (user: Express.User, info?: Record<string, unknown>) => void): this;
    fail(callback: (challenge?: Record<string, unknown>, status?: number) => void): this;
    redirect(callback: (url: string, status?: number) => void): this;
    error(callback: (err: Error) => void): this;
    authenticate(options?: object): void;
  }

  const plugin: (chai: object, utils: unknown) => void;
  export default plugin;

  global {
    namespace Chai {
      interface ChaiStatic {
        passport: { use(strategy: Strategy): PassportTest };
      }
    }
  }
}
