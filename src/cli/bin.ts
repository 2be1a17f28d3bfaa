#!/usr/bin/env node
/** Process entry point: runs the CLI and turns its result into the exit code. */
import { main, EXIT_FAILURE } from './main.js';

// `fraudops champion | head -1`: the reader went away, which is not an error of ours. Stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error[INTERNAL]: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
