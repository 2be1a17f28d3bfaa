#!/usr/bin/env node
/** Process entry point: runs the CLI and turns its result into the exit code. */
import { main, EXIT_FAILURE } from './main.js';

// The AWS SDK warns on every S3 command under Node < 22 that its releases after January 2027 will need Node 22.
// fraudops supports Node 20 (package.json engines) with the SDK versions it locks, so on every run that is noise;
// the SDK's own switch turns it off, and setting it to anything else brings the warning back.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
    // The command is over when main returns. A socket or timer a client library left behind must not keep the
    // process alive, so after a grace for what is still being written, the process exits with the command's code.
    setTimeout(() => process.exit(code), 10_000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`error[INTERNAL]: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
