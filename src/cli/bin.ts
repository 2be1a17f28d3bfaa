#!/usr/bin/env node
/** Process entry point: runs the CLI and turns its result into the exit code. */
import { main, EXIT_FAILURE } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error[INTERNAL]: ${String(e)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
