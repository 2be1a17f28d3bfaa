/**
 * Tracking servers that misbehave, played by local stand-in HTTP servers (a real MLflow does not do these
 * things on purpose): a web server that is not MLflow, 200 `{}` to everything, bodies cut short, and an MLflow
 * that dies mid-run (a stand-in proxy in front of the real server, closed under a running child process).
 * Every case gives one line with a code, never a stack trace or a pasted HTML page, and no run stays RUNNING.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTracking } from '../src/tracking/openTracking.js';
import { TrackingCodes } from '../src/tracking/TrackingError.js';
import { FAILURE_TAG, STALE_RUN, withRun } from '../src/tracking/withRun.js';

const ROOT = resolve(import.meta.dirname, '..');
const MLFLOW_URI = process.env.FRAUDOPS_TEST_MLFLOW_URI ?? 'http://127.0.0.1:5050';
const dir = mkdtempSync(join(tmpdir(), 'fraudops-standin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Handler = Parameters<typeof createServer>[1];
async function standIn(handler: Handler): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets };
}
function stop(s: { server: Server; sockets: Set<Socket> }): Promise<void> {
  for (const socket of s.sockets) socket.destroy();
  return new Promise((r) => s.server.close(() => r()));
}

/** Runs the real CLI; returns exit code and output. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], { cwd: ROOT, env: { ...process.env, MLFLOW_TRACKING_URI: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}
async function codeAndError(p: Promise<unknown>): Promise<{ code?: string; message: string; retriable?: boolean }> {
  const e = (await p.then(() => undefined, (x: unknown) => x)) as { code?: string; message: string; retriable?: boolean } | undefined;
  expect(e).toBeDefined();
  return e!;
}
/** One line, a code, no stack frame, no markup. */
function expectCleanError(stderr: string, code: string): void {
  expect(stderr).toContain(`error[${code}]`);
  expect(stderr).not.toMatch(/INTERNAL|\n\s+at |<html|<body|<!doctype/i);
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

const PAGE = `<!DOCTYPE html><html><head><title>Acme intranet — page not found</title></head><body>${'<p>lorem ipsum</p>'.repeat(400)}</body></html>`;

describe('tracking > stand-in servers', () => {
  let html: Awaited<ReturnType<typeof standIn>>;
  let empty: Awaited<ReturnType<typeof standIn>>;
  let cut: Awaited<ReturnType<typeof standIn>>;
  beforeAll(async () => {
    html = await standIn((_req, res) => res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
    empty = await standIn((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    cut = await standIn((req, res) => {
      if (req.url?.includes('experiments/search')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"experiments":[]}');
      if (req.url?.includes('get-by-name')) {
        // Chunked JSON, cut mid-object.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"experiment":{"experiment_id":"1","na');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      // Promises 5000 bytes, sends 40, closes.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.write('{"registered_model":{"name":"fraudops-fr');
      setTimeout(() => res.socket?.destroy(), 20);
    });
  });
  afterAll(async () => {
    for (const s of [html, empty, cut]) if (s) await stop(s);
  });

  it('stand-in: a web server that is not MLflow is TRACKING_PROTOCOL, described, not pasted', async () => {
    const e = await codeAndError(openTracking(html.url));
    expect(e.code).toBe(TrackingCodes.PROTOCOL);
    expect(e.message).toContain('an HTML page titled "Acme intranet — page not found"');
    expect(e.message).toContain(`is ${html.url} an MLflow tracking server?`);
    expect(e.message.length).toBeLessThan(400);
    const r = await cli('champion', '--tracking', html.url);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 'TRACKING_PROTOCOL');
  }, 60_000);

  it('stand-in: 200 {} where MLflow sends an entity is TRACKING_PROTOCOL naming the endpoint and field', async () => {
    const t = await openTracking(empty.url);
    const e = await codeAndError(t.runs.getOrCreateExperiment('fraudops'));
    expect(e.code).toBe(TrackingCodes.PROTOCOL);
    expect(e.message).toMatch(/experiments\/get-by-name without 'experiment'/);
    expect((await codeAndError(t.runs.createRun({ experimentId: '1' }))).code).toBe(TrackingCodes.PROTOCOL);
    expect((await codeAndError(t.registry.getModelVersionByAlias('m', 'champion'))).code).toBe(TrackingCodes.PROTOCOL);
    const r = await cli('models', 'list', '--tracking', empty.url);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 'TRACKING_PROTOCOL');
  }, 60_000);

  it('stand-in: a body cut short is a retriable TRACKING_UNAVAILABLE or an incomplete-JSON TRACKING_PROTOCOL', async () => {
    const t = await openTracking(cut.url);
    const short = await codeAndError(t.registry.getRegisteredModel('fraudops-fraud'));
    expect([short.code, short.retriable]).toEqual([TrackingCodes.UNAVAILABLE, true]);
    expect(short.message).toContain('cut its answer');
    const chunked = await codeAndError(t.runs.getExperimentByName('fraudops'));
    expect([TrackingCodes.UNAVAILABLE, TrackingCodes.PROTOCOL]).toContain(chunked.code);
    expect(chunked.retriable).toBe(true);
    const r = await cli('models', 'list', '--tracking', cut.url);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 'TRACKING_UNAVAILABLE');
  }, 60_000);

  it('--tracking naming a regular file is bad usage (exit 2), not a stack trace', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'not a store');
    for (const uri of [file, pathToFileURL(file).href]) {
      const r = await cli('models', 'list', '--tracking', uri);
      expect(r.code).toBe(2);
      expectCleanError(r.stderr, 'TRACKING_URI_INVALID');
    }
  }, 60_000);
});

describe('tracking > stand-in proxy > MLflow dies mid-run', () => {
  it('stand-in: the run left RUNNING by a dead server and process is ended FAILED (STALE_RUN) by the next run', async () => {
    // A stand-in proxy in front of the real server: closing it is the server dying, for the child only.
    const proxy = await standIn((req, res) => {
      const up = request(`${MLFLOW_URI}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(MLFLOW_URI).host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    const experiment = `stand-in-dies-${Date.now().toString(36)}`;
    const script = `
      import { openTracking } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/tracking/openTracking.ts')).href)};
      import { withRun } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/tracking/withRun.ts')).href)};
      const t = await openTracking(process.argv[1]);
      await withRun(t.runs, { experimentName: process.argv[2], runName: 'train-dies' }, async (run) => {
        process.stdout.write(run.runId + '\\n');
        await new Promise((r) => process.stdin.once('data', r));
        await t.runs.logMetric(run.runId, 'test_ap', 0.5);
      });`;
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, proxy.url, experiment], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const runId = await new Promise<string>((ok, fail) => {
      child.stdout.once('data', (c: Buffer) => ok(c.toString().trim()));
      child.once('close', () => fail(new Error(`child ended before starting its run: ${stderr}`)));
    });
    await stop(proxy);
    child.stdin.write('go\n');
    const exit = await new Promise<number>((r) => child.once('close', (code) => r(code ?? -1)));
    expect(exit).not.toBe(0);

    const t = await openTracking(MLFLOW_URI);
    expect((await t.runs.getRun(runId)).info.status).toBe('RUNNING');
    const exp = (await t.runs.getExperimentByName(experiment))!;
    await withRun(t.runs, { experimentId: exp.experimentId, runName: 'next' }, async () => undefined);
    const orphan = await t.runs.getRun(runId);
    expect([orphan.info.status, orphan.data.tags[FAILURE_TAG]]).toEqual(['FAILED', STALE_RUN]);
    expect(orphan.info.endTime).toBeGreaterThanOrEqual(orphan.info.startTime);
  }, 120_000);
});
