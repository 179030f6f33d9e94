// The routes the strategy is measured against. They are compiled the way lib/ is (TypeScript's
// own emitter, not tsx), so that both sides run the same kind of JavaScript.
export { type AuthorizeSettings, bareAuthorizeRoute } from './authorize';
export { answerLogin, type DingTalkEndpoints, nodeFetchLogin, nodeHttpLogin } from './hand-written-logins';
export { FrameworkFloorStrategy, OAuthClientStrategy, SafeFloorStrategy } from './passport-logins';
