// The ES module entry of passport-dingtalk-oauth2/testing: the CommonJS build re-exported, not a copy.
export * from './index.js';
