// Runs before the Redis tests: they start a real redis-server, and without one they cannot run.
const { execFileSync } = require('node:child_process');

try {
  execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('redis-server was not found. Install it with:');
  console.error('  sudo apt-get update && sudo apt-get install -y redis-server');
  process.exit(1);
}
