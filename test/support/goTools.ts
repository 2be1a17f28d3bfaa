/**
 * The Go-built tools of the delivery tests: helm and actionlint, installed with `go install` from the Go module
 * proxy, and the manifest checker in deploy/checker. scripts/services/tools.sh owns the versions and the cache
 * (${FRAUDOPS_CACHE_DIR:-~/.cache/fraudops}/go-tools); a test asks it for a binary, which builds it on first use.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type GoTool = 'helm' | 'actionlint' | 'manifestcheck';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Building helm from source on two busy cores takes minutes; a hook that installs a tool needs this long. */
export const GO_TOOL_INSTALL_TIMEOUT_MS = 20 * 60_000;

const paths = new Map<GoTool, string>();

/** The path of `tool`'s binary, installing it first when it is not cached yet. */
export function goTool(tool: GoTool): string {
  let path = paths.get(tool);
  if (!path) {
    path = execFileSync('bash', [join(REPO, 'scripts/services/tools.sh'), 'path', tool], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: GO_TOOL_INSTALL_TIMEOUT_MS,
    }).trim();
    paths.set(tool, path);
  }
  return path;
}
