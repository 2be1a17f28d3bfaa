/**
 * Announces a promotion to GitHub as a `repository_dispatch` event (`model-promoted` by default), which starts
 * the release workflow (.github/workflows/release.yml): build the image with the promoted model, push it, roll it
 * out. URI: `github:<owner>/<repo>[?event=<type>]`. The token comes from the environment (GITHUB_TOKEN, or
 * GH_TOKEN), the API base from GITHUB_API_URL (default https://api.github.com, as in GitHub Actions and for GitHub
 * Enterprise). The token is never logged, recorded or put in an error.
 */
import { ConfigError, FraudopsError } from '../../errors.js';
import type { Announcement, AnnounceResult, Announcer } from './Announcer.js';

export const DEFAULT_EVENT_TYPE = 'model-promoted';
const DEFAULT_API = 'https://api.github.com';
/** GitHub answers a dispatch in well under a second; a hung connection must not hold the pipeline. */
const TIMEOUT_MS = 30_000;

export interface GithubDispatchOptions {
  owner: string;
  repo: string;
  eventType?: string;
  token: string;
  apiUrl?: string;
}

export class GithubDispatchAnnouncer implements Announcer {
  readonly uri: string;
  private readonly endpoint: string;

  constructor(private readonly options: GithubDispatchOptions) {
    this.uri = `github:${options.owner}/${options.repo}`;
    this.endpoint = `${(options.apiUrl ?? DEFAULT_API).replace(/\/+$/, '')}/repos/${encodeURIComponent(options.owner)}/${encodeURIComponent(options.repo)}/dispatches`;
  }

  /** `github:<owner>/<repo>[?event=<type>]`, with the token and API base from `env`. */
  static fromUri(uri: string, env: NodeJS.ProcessEnv = process.env): GithubDispatchAnnouncer {
    const m = /^github:\/{0,2}([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\?event=([A-Za-z0-9._-]{1,100}))?$/.exec(uri);
    if (!m) {
      throw new ConfigError(`announcer "${uri}" is not github:<owner>/<repo>[?event=<type>]`, { context: { uri, field: 'announcer' } });
    }
    const token = env.GITHUB_TOKEN || env.GH_TOKEN;
    if (!token) {
      throw new ConfigError(`announcer ${uri} needs a GitHub token in GITHUB_TOKEN (or GH_TOKEN) with permission to dispatch to ${m[1]}/${m[2]}`, {
        context: { uri, field: 'GITHUB_TOKEN' },
      });
    }
    const apiUrl = env.GITHUB_API_URL || DEFAULT_API;
    if (!/^https?:\/\//.test(apiUrl)) throw new ConfigError(`GITHUB_API_URL must be an http(s) URL, got "${apiUrl}"`, { context: { field: 'GITHUB_API_URL' } });
    return new GithubDispatchAnnouncer({ owner: m[1], repo: m[2], eventType: m[3], token, apiUrl });
  }

  get eventType(): string {
    return this.options.eventType ?? DEFAULT_EVENT_TYPE;
  }

  async announce(a: Announcement, signal?: AbortSignal): Promise<AnnounceResult> {
    const body = JSON.stringify({
      event_type: this.eventType,
      // What release.yml reads: the version to package, and where it came from.
      client_payload: { modelName: a.modelName, version: a.version, runId: a.runId, specHash: a.specHash, decision: a.decision },
    });
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          Accept: 'application/vnd.github+json',
          Authorization: `Bearer ${this.options.token}`,
          'Content-Type': 'application/json',
          'User-Agent': 'fraudops',
          'X-GitHub-Api-Version': '2022-11-28',
        },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw this.failure(`could not reach ${this.endpoint}: ${(cause as Error).message}`, true, cause);
    }
    const text = await response.text().catch(() => '');
    // 204 No Content is GitHub's answer to an accepted dispatch.
    if (response.status === 204 || response.ok) {
      return { delivered: true, target: `${this.uri} (${this.eventType})`, detail: `${a.modelName} version ${a.version}` };
    }
    const reason = githubMessage(text);
    const retriable = response.status >= 500 || response.status === 429;
    const hint =
      response.status === 401
        ? 'the token in GITHUB_TOKEN is not valid'
        : response.status === 403 || response.status === 404
          ? `the token cannot dispatch to ${this.options.owner}/${this.options.repo} (needs contents: write) or the repository does not exist`
          : response.status === 422
            ? 'GitHub refused the event'
            : 'GitHub failed';
    throw this.failure(`${hint}: HTTP ${response.status}${reason ? ` ${reason}` : ''}`, retriable);
  }

  private failure(message: string, retriable: boolean, cause?: unknown): FraudopsError {
    return new FraudopsError('ANNOUNCE_FAILED', `repository_dispatch to ${this.options.owner}/${this.options.repo}: ${message}`, {
      retriable,
      cause,
      context: { uri: this.uri, eventType: this.eventType },
    });
  }
}

/** GitHub's error bodies are `{"message": "...", "documentation_url": ...}`; anything else is cut short. */
function githubMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return `(${parsed.message})`;
  } catch {
    // not JSON
  }
  return text ? `(${text.slice(0, 200)})` : '';
}
