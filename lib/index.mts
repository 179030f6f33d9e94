// The ES module entry: the same classes as the CommonJS build (no second copy), with the
// Strategy as the default export, as `import Strategy from 'passport-dingtalk-oauth2'` expects.
import { Strategy } from './index.js';

export * from './index.js';
export default Strategy;
