/**
 * Worker threads that run a module of this project: the built `.js` beside the caller, or, when the caller itself
 * runs from TypeScript sources (tests, tsx), the `.ts` beside it loaded through tsx's API. The tsx API is resolved
 * from this module, so a worker does not depend on the current directory.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker running the module `name` (no extension) in the folder of `callerUrl` (the caller's `import.meta.url`). */
export function moduleWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href);
  return new Worker(`import(${JSON.stringify(tsxApi())}).then((m) => m.tsImport(${entry}, ${JSON.stringify(callerUrl)}));`, { ...options, eval: true });
}

function tsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api';
  }
}
