// `npm run lab -- disk|net|healthy [--out DIR]`: compiles, then runs one real-etcd lab by hand and
// leaves an incident bundle. `npm run lab -- check` checks the machine; `npm run lab -- sweep`
// undoes what an interrupted run left (PIDs, mounts, loop devices, cgroups from its ledger).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
if (!process.argv.includes('--no-build')) {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs'), '--force'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const { main } = await import(pathToFileURL(path.join(root, 'dist', 'test', 'lab', 'harness', 'main.js')).href);
process.exitCode = await main(process.argv.slice(2).filter((a) => a !== '--no-build'));
