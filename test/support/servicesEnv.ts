/**
 * Loads the variables `scripts/services.sh up` wrote for the tests (`<state>/env`, lines of `export KEY=VALUE`)
 * into this test process, so `npm test` finds the services without the caller sourcing that file first. A
 * variable already set in the environment wins.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const state = process.env.FRAUDOPS_SERVICES_DIR ?? join(root, '.services');
const file = join(state, 'env');
if (existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const value = m[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
    if (process.env[m[1]] === undefined) process.env[m[1]] = value;
  }
}
