// The part of passport-oauth2-refresh 2.x these tests use (its DefinitelyTyped types lack the class).
declare module 'passport-oauth2-refresh' {
  type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, params?: unknown) => void;
  export class AuthTokenRefresh {
    use(strategy: { name?: string }): void;
    requestNewAccessToken(name: string, refreshToken: string, done: TokenCallback): void;
  }
}
