// Makes `npm start` and `npm test` work on a fresh clone: installs the locked dependencies when
// node_modules is missing and compiles TypeScript when dist/ is missing or (with --force) always.
// Uses only node built-ins, because it runs before anything is installed.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`rootline: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
}

if (!existsSync(path.join(root, 'node_modules', 'typescript'))) {
  process.stderr.write('rootline: installing dependencies (npm ci)...\n');
  run(npm, ['ci', '--no-audit', '--no-fund']);
}
if (force || !existsSync(path.join(root, 'dist', 'server', 'cli.js'))) {
  process.stderr.write('rootline: compiling TypeScript...\n');
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
}
