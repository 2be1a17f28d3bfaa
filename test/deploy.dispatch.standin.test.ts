/**
 * The release dispatch on promotion, against a local stand-in of the GitHub API (test/support/githubStandIn.ts;
 * GitHub itself is out of reach here): the `github:` announcer sends one `repository_dispatch: model-promoted`
 * per announcement with the token from the environment; failures are ANNOUNCE_FAILED, retriable only when GitHub
 * may succeed later, and never show the token.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Announcement } from '../src/pipeline/announcers/Announcer.js';
import { GithubDispatchAnnouncer } from '../src/pipeline/announcers/GithubDispatchAnnouncer.js';
import { openAnnouncer } from '../src/pipeline/announcers/openAnnouncer.js';
import type { TaskContext, TaskOutput } from '../src/pipeline/stage.js';
import { PIPELINE_STAGES } from '../src/pipeline/stages.js';
import { GithubStandIn } from './support/githubStandIn.js';

const TOKEN = 'ghs_standin_token_0123456789';
const PROMOTION: Announcement = { modelName: 'fraudops-fraud', version: '7', runId: 'pipeline:daily:2026-12-01', specHash: 'abc123', decision: 'PROMOTED' };

let github: GithubStandIn;
const saved = { GITHUB_TOKEN: process.env.GITHUB_TOKEN, GH_TOKEN: process.env.GH_TOKEN, GITHUB_API_URL: process.env.GITHUB_API_URL };

beforeAll(async () => {
  github = await GithubStandIn.start(TOKEN, ['acme/fraud']);
});
afterAll(async () => {
  await github.close();
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function useStandIn(token = TOKEN): void {
  process.env.GITHUB_TOKEN = token;
  delete process.env.GH_TOKEN;
  process.env.GITHUB_API_URL = github.url;
}

describe('release dispatch > GitHub API stand-in > github: announcer', () => {
  it('sends one model-promoted repository_dispatch with the promotion as client_payload and the token from GITHUB_TOKEN', async () => {
    useStandIn();
    const before = github.events.length;
    const announcer = await openAnnouncer('github:acme/fraud');
    const result = await announcer.announce(PROMOTION);
    expect(result.delivered).toBe(true);
    expect(result.target).toBe('github:acme/fraud (model-promoted)');
    expect(github.events.slice(before)).toHaveLength(1);
    const event = github.events.at(-1)!;
    expect(event).toMatchObject({ owner: 'acme', repo: 'fraud', eventType: 'model-promoted' });
    expect(event.clientPayload).toEqual({ modelName: 'fraudops-fraud', version: '7', runId: 'pipeline:daily:2026-12-01', specHash: 'abc123', decision: 'PROMOTED' });
    expect(event.headers.accept).toBe('application/vnd.github+json');
    expect(event.headers['x-github-api-version']).toBe('2022-11-28');
    // The release workflow listens for exactly this event type.
    expect(event.eventType).toBe('model-promoted');
  });

  it('takes another event type from the URI', async () => {
    useStandIn();
    await (await openAnnouncer('github:acme/fraud?event=model-promoted-staging')).announce(PROMOTION);
    expect(github.events.at(-1)!.eventType).toBe('model-promoted-staging');
  });

  it('a bad token is ANNOUNCE_FAILED, not retriable, and the token is nowhere in the error', async () => {
    useStandIn('ghs_wrong_token_secret');
    const error = await (await openAnnouncer('github:acme/fraud')).announce(PROMOTION).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ANNOUNCE_FAILED', retriable: false });
    expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain('ghs_wrong_token_secret');
    expect((error as Error).message).toMatch(/HTTP 401/);
  });

  it('a repository the token cannot see is ANNOUNCE_FAILED (404), not retriable', async () => {
    useStandIn();
    const error = await (await openAnnouncer('github:acme/other')).announce(PROMOTION).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ANNOUNCE_FAILED', retriable: false });
    expect((error as Error).message).toMatch(/HTTP 404/);
  });

  it('GitHub failing (5xx) or rate limiting (429) is retriable, and nothing was recorded', async () => {
    useStandIn();
    const before = github.events.length;
    github.failNext(502, 429);
    const announcer = await openAnnouncer('github:acme/fraud');
    for (const status of [502, 429]) {
      const error = await announcer.announce(PROMOTION).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ANNOUNCE_FAILED', retriable: true });
      expect((error as Error).message).toContain(`HTTP ${status}`);
    }
    expect(github.events.length).toBe(before);
  });

  it('an unreachable API is retriable', async () => {
    process.env.GITHUB_TOKEN = TOKEN;
    process.env.GITHUB_API_URL = 'http://127.0.0.1:9'; // discard port: nothing listens
    const error = await (await openAnnouncer('github:acme/fraud')).announce(PROMOTION).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ANNOUNCE_FAILED', retriable: true });
  });

  it('without a token, or with a malformed URI, it is a configuration error before anything is sent', async () => {
    delete process.env.GITHUB_TOKEN;
    delete process.env.GH_TOKEN;
    const requests = github.requests;
    await expect(openAnnouncer('github:acme/fraud')).rejects.toMatchObject({ code: 'CONFIG_INVALID', context: { field: 'GITHUB_TOKEN' } });
    useStandIn();
    for (const uri of ['github:acme', 'github:acme/fraud/extra', 'github:acme/fraud?event=', 'github:acme/fr aud']) {
      expect(() => GithubDispatchAnnouncer.fromUri(uri)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
    expect(github.requests).toBe(requests);
  });
});

/** The pipeline's publish task as the DAG runs it, after train and validate have recorded their outputs. */
async function publish(validated: TaskOutput): Promise<TaskOutput> {
  const stage = PIPELINE_STAGES.get('publish')!;
  const upstream: Record<string, TaskOutput> = {
    train: { registeredModel: 'fraudops-fraud', modelVersion: String(validated.version ?? '9') },
    validate: validated,
  };
  const ctx: TaskContext = {
    runId: 'pipeline:daily:2026-12-01',
    logicalRunId: 'pipeline:daily:2026-12-01',
    dag: 'daily',
    logicalDate: '2026-12-01',
    specHash: 'dagspec',
    signal: new AbortController().signal,
    log: () => undefined,
    upstream: (name) => upstream[name],
  };
  return stage.run({ announcer: 'github:acme/fraud' }, ctx);
}

describe('release dispatch > GitHub API stand-in > pipeline publish task', () => {
  it('a promotion sends exactly one dispatch naming the promoted version; a refusal sends none', async () => {
    useStandIn();
    const before = github.events.length;
    const requests = github.requests;
    const refused = await publish({ candidateRunId: 'r1', version: '8', promoted: false, decision: 'NOT_SIGNIFICANT', reason: 'p >= alpha' });
    expect(refused.announced).toBe(false);
    expect(github.requests).toBe(requests);
    const promoted = await publish({ candidateRunId: 'r2', version: '9', promoted: true, decision: 'PROMOTED', reason: 'better' });
    expect(promoted.announced).toBe(true);
    const sent = github.events.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].eventType).toBe('model-promoted');
    expect(sent[0].clientPayload).toMatchObject({ modelName: 'fraudops-fraud', version: '9', runId: 'pipeline:daily:2026-12-01', specHash: 'dagspec', decision: 'PROMOTED' });
  });
});
