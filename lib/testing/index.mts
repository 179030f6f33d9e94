// The ES module entry of passport-dingtalk/testing: the CommonJS build re-exported, not a copy.
export * from './index.js';
