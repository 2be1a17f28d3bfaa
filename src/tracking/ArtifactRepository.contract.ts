/**
 * The behaviour every ArtifactRepository must share: bytes, files and directory trees round-trip, listings show
 * direct children only, missing files are RESOURCE_NOT_FOUND, paths cannot escape the root. `newRepository`
 * returns a repository on a fresh, empty root each time.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactRepository } from './ArtifactRepository.js';
import { codeOf } from './RunTracker.contract.js';
import { TrackingCodes } from './TrackingError.js';

export interface ArtifactContractOptions {
  name: string;
  newRepository: () => Promise<ArtifactRepository>;
  /** Checks where the bytes really are (the bucket, the directory), given the repository's root and a path. */
  readBehind?: (rootUri: string, path: string) => Promise<Buffer>;
}

export function runArtifactRepositoryContract({ name, newRepository, readBehind }: ArtifactContractOptions): void {
  describe(`tracking > artifacts > ${name}`, () => {
    let scratch: string;
    const opened: ArtifactRepository[] = [];
    const fresh = async () => {
      const repo = await newRepository();
      opened.push(repo);
      return repo;
    };
    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'fraudops-artifacts-'));
    });
    afterAll(async () => {
      for (const repo of opened) await repo.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('bytes, files and directories round-trip', async () => {
      const repo = await fresh();
      const bytes = randomBytes(200_000);
      await repo.logArtifact(bytes, 'model/weights.bin');
      const file = join(scratch, 'report.json');
      await writeFile(file, JSON.stringify({ auc: 0.93 }));
      await repo.logArtifact(file, 'reports/report.json');
      const dir = join(scratch, 'plots');
      await mkdir(join(dir, 'roc'), { recursive: true });
      await writeFile(join(dir, 'pr.txt'), 'pr');
      await writeFile(join(dir, 'roc', 'roc.txt'), 'roc');
      await repo.logArtifact(dir, 'plots');

      expect(Buffer.compare(await repo.downloadArtifact('model/weights.bin'), bytes)).toBe(0);
      expect(JSON.parse((await repo.downloadArtifact('reports/report.json')).toString())).toEqual({ auc: 0.93 });
      expect((await repo.downloadArtifact('plots/roc/roc.txt')).toString()).toBe('roc');
      expect(await repo.listArtifacts()).toEqual([
        { path: 'model', isDir: true },
        { path: 'plots', isDir: true },
        { path: 'reports', isDir: true },
      ]);
      expect(await repo.listArtifacts('plots')).toEqual([
        { path: 'plots/pr.txt', isDir: false, size: 2 },
        { path: 'plots/roc', isDir: true },
      ]);
      expect(await repo.listArtifacts('model')).toEqual([{ path: 'model/weights.bin', isDir: false, size: 200_000 }]);
      if (readBehind) expect(Buffer.compare(await readBehind(repo.uri, 'model/weights.bin'), bytes)).toBe(0);
    }, 60_000);

    it('overwrites, missing files and escaping paths', async () => {
      const repo = await fresh();
      expect(await repo.listArtifacts()).toEqual([]);
      await repo.logArtifact(Buffer.from('one'), 'a.txt');
      await repo.logArtifact(Buffer.from('two'), 'a.txt');
      expect((await repo.downloadArtifact('a.txt')).toString()).toBe('two');
      expect(await codeOf(repo.downloadArtifact('nope.bin'))).toBe(TrackingCodes.NOT_FOUND);
      expect(await codeOf(repo.logArtifact(Buffer.from('x'), '../outside.txt'))).toBe(TrackingCodes.INVALID_PARAMETER);
      expect(await codeOf(repo.logArtifact(join(scratch, 'does-not-exist'), 'x'))).toBe(TrackingCodes.NOT_FOUND);
    }, 60_000);
  });
}
