// Only members of two organizations (企业/组织) may log in with DingTalk.
// npm install passport-dingtalk-oauth2 passport
const { Strategy: DingTalkStrategy } = require('passport-dingtalk-oauth2');

/** The organizations whose members may log in: their corpId, as shown in DingTalk's admin console. */
const allowedCorpIds = ['ding0123456789abcdef', 'dingfedcba9876543210'];

/** `options`: clientID, clientSecret and callbackURL, as for any DingTalk strategy. */
function createDingTalkStrategy(options) {
  return new DingTalkStrategy(
    {
      ...options,
      // Required: DingTalk then asks the user to pick an organization, and returns its corpId.
      scope: 'openid corpid',
      // Any other organization ends in fail() (403, reason 'organization_not_allowed'), before the
      // profile request and the verify callback.
      allowedCorpIds,
      state: true,
    },
    (_accessToken, _refreshToken, profile, done) => {
      done(null, { id: profile.id, name: profile.displayName, corpId: profile.corpId });
    },
  );
}

module.exports = { allowedCorpIds, createDingTalkStrategy };
