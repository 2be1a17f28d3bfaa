/**
 * Heap bytes of online feature state per customer, per terminal and per entry: builds the state of a fixed
 * synthetic population past the longest window, forces GC before and after, and divides. Run:
 *   node --expose-gc --import tsx bench/online_state_memory.ts [customers] [terminals]
 * Not a test: numbers go to docs/features.md.
 */
import { OnlineFeatures } from '../src/features/OnlineFeatures.js';
import { syntheticStream } from '../src/features/online/testkit.js';
import { CustomerState } from '../src/features/online/CustomerState.js';
import { TerminalState } from '../src/features/online/TerminalState.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const customers = Number(process.argv[2] ?? 20000);
const terminals = Number(process.argv[3] ?? 40000);
const txs = syntheticStream({ customers, terminals, days: 45, seed: 7 });

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

// Each half alone, built from the same transactions between two heap readings; then the scorer's own state.
const before1 = heap();
const cs = new CustomerState();
for (const tx of txs) cs.record(tx.customerId, tx.time, Math.round(tx.amount * 100), txs[txs.length - 1].time - 30 * 86400);
cs.sweep(txs[txs.length - 1].time - 30 * 86400);
const customerBytes = heap() - before1;
const before2 = heap();
const ts = new TerminalState();
for (const tx of txs) {
  ts.observe(tx.terminalId, tx.time);
  ts.label(tx.terminalId, tx.time, tx.fraud);
}
ts.sweep(txs[txs.length - 1].time - 37 * 86400);
const terminalBytes = heap() - before2;

const f = new OnlineFeatures();
for (const tx of txs) {
  f.score(tx);
  f.label(tx);
}
f.sweep();
const size = f.stateSize();
const customerEntries = f.customers.entryCount;
const terminalEntries = f.terminals.entryCount;

const out = {
  transactions: txs.length,
  state: size,
  customer: { keys: cs.keyCount, entries: cs.entryCount, bytes: customerBytes, bytesPerKey: Math.round(customerBytes / cs.keyCount), bytesPerEntry: +(customerBytes / cs.entryCount).toFixed(1) },
  terminal: { keys: ts.keyCount, entries: ts.entryCount, bytes: terminalBytes, bytesPerKey: Math.round(terminalBytes / ts.keyCount), bytesPerEntry: +(terminalBytes / ts.entryCount).toFixed(1) },
  sameAsScorer: customerEntries === cs.entryCount && terminalEntries === ts.entryCount,
};
console.log(JSON.stringify(out, null, 2));
