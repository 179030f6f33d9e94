// Keeping a user's DingTalk access token fresh with passport-oauth2-refresh. The access token lives
// 2 hours (`expireIn`), the refresh token 30 days.
// npm install passport-dingtalk-oauth2 passport passport-oauth2-refresh
const passport = require('passport');
const refresh = require('passport-oauth2-refresh');
const { Strategy: DingTalkStrategy } = require('passport-dingtalk-oauth2');

/** Registers the strategy for logins (passport) and for refreshes (passport-oauth2-refresh). */
function useDingTalk(options) {
  const strategy = new DingTalkStrategy(options, (accessToken, refreshToken, params, profile, done) => {
    // Keep the tokens with the user (a real app saves them in its database).
    done(null, { id: profile.id, accessToken, refreshToken, expiresAt: Date.now() + params.expireIn * 1000 });
  });
  passport.use(strategy);
  refresh.use(strategy);
  return strategy;
}

/** The user's access token; refreshed first when it expires within a minute. */
function freshAccessToken(user) {
  if (user.expiresAt - Date.now() > 60_000) return Promise.resolve(user.accessToken);
  return new Promise((resolve, reject) => {
    refresh.requestNewAccessToken('dingtalk', user.refreshToken, (err, accessToken, refreshToken, params) => {
      // A DingTalkAPIError when DingTalk refuses the refresh token (expired, revoked): log the user in again.
      if (err) return reject(err);
      // DingTalk may rotate the refresh token: keep the new one.
      user.accessToken = accessToken;
      user.refreshToken = refreshToken || user.refreshToken;
      user.expiresAt = Date.now() + params.expireIn * 1000;
      resolve(accessToken);
    });
  });
}

module.exports = { useDingTalk, freshAccessToken };
