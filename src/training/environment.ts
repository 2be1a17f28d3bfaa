/** What a run was made with: versions of the runtime and key packages, and the git commit when there is one. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/**
 * The commit of the code that is running: FRAUDOPS_GIT_SHA or GITHUB_SHA when set (CI, container builds), else
 * asked of git in the directory this module lives in, not the working directory: a run started from a data
 * folder (the demo's, a scheduler's) records the code's commit, not "unknown". `dirty` says whether tracked
 * files differ from that commit ('unknown' when the commit came from the environment).
 */
export function gitCommit(env: Record<string, string | undefined> = process.env): { sha: string; dirty: string } {
  const given = env.FRAUDOPS_GIT_SHA ?? env.GITHUB_SHA;
  if (given) return { sha: given, dirty: 'unknown' };
  const cwd = dirname(fileURLToPath(import.meta.url));
  const git = (args: string[]) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim();
  try {
    const sha = git(['rev-parse', 'HEAD']);
    if (!/^[0-9a-f]{40}$/.test(sha)) return { sha: 'unknown', dirty: 'unknown' };
    return { sha, dirty: String(git(['status', '--porcelain', '--untracked-files=no']) !== '') };
  } catch {
    return { sha: 'unknown', dirty: 'unknown' };
  }
}

export function runEnvironment(): Record<string, string> {
  const commit = gitCommit();
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    fraudops: own.version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    '@duckdb/node-api': packageVersion('@duckdb/node-api'),
    'onnxruntime-node': packageVersion('onnxruntime-node'),
    'git.sha': commit.sha,
    'git.dirty': commit.dirty,
  };
}
