/** What a run was made with: versions of the runtime and key packages, and the git commit when there is one. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function runEnvironment(): Record<string, string> {
  let gitSha = process.env.FRAUDOPS_GIT_SHA ?? process.env.GITHUB_SHA ?? '';
  if (!gitSha) {
    try {
      gitSha = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      gitSha = 'unknown';
    }
  }
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    fraudops: own.version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    '@duckdb/node-api': packageVersion('@duckdb/node-api'),
    'onnxruntime-node': packageVersion('onnxruntime-node'),
    'git.sha': gitSha,
  };
}
