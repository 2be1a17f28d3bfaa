import { buildScoringFixture, registerModel } from './test/support/scoringFixture.js';
import { cpSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
const f = await buildScoringFixture({ startDate: '2019-08-01', days: 24, customers: 300, terminals: 600, seed: 47 });
await registerModel(f, { from: '2019-08-08', to: '2019-08-17', c: 1, alias: 'champion' });
mkdirSync(join(f.dir, 'replay'));
for (const d of f.days.slice(-3)) copyFileSync(join(f.raw, `${d}.txt`), join(f.dir, 'replay', `${d}.txt`));
console.log(JSON.stringify(f));
