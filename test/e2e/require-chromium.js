// Runs before the browser tests: without Chromium they cannot run, and a stack trace from deep
// inside Playwright would not say what to do.
const { existsSync } = require('node:fs');

const executable = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(executable)) {
  console.error(`Chromium was not found at ${executable}. Install it (and the CJK fonts for screenshots) with:`);
  console.error('  sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk');
  process.exit(1);
}
