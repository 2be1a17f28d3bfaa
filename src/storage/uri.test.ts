import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseStoreUri } from './uri.js';

function configError(uri: string): ConfigError {
  try {
    parseStoreUri(uri, '/work');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected ${uri} to be rejected`);
}

describe('storage > uri', () => {
  it('resolves plain paths against cwd', () => {
    expect(parseStoreUri('data/lake', '/work')).toEqual({ scheme: 'file', path: '/work/data/lake', uri: 'file:///work/data/lake' });
    expect(parseStoreUri('/abs/lake/', '/work')).toMatchObject({ scheme: 'file', path: '/abs/lake' });
    expect(parseStoreUri('.', '/work')).toMatchObject({ path: '/work' });
  });

  it('accepts file:// URLs, decoding escapes', () => {
    expect(parseStoreUri('file:///data/my%20lake')).toEqual({
      scheme: 'file',
      path: '/data/my lake',
      uri: 'file:///data/my%20lake',
    });
    expect(parseStoreUri('FILE:///data')).toMatchObject({ scheme: 'file', path: '/data' });
  });

  it('parses s3://bucket and s3://bucket/prefix', () => {
    expect(parseStoreUri('s3://lake')).toEqual({ scheme: 's3', bucket: 'lake', prefix: '', uri: 's3://lake' });
    expect(parseStoreUri('s3://lake/')).toMatchObject({ bucket: 'lake', prefix: '' });
    expect(parseStoreUri('s3://fraud-lake.prod/raw/2024/')).toEqual({
      scheme: 's3',
      bucket: 'fraud-lake.prod',
      prefix: 'raw/2024',
      uri: 's3://fraud-lake.prod/raw/2024',
    });
  });

  it('rejects other schemes, naming the URI', () => {
    for (const uri of ['gs://bucket/x', 'http://host/x', 'https://storage.yandexcloud.net/b', 's3a://b/x', 'hdfs:///x']) {
      const err = configError(uri);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.context.uri).toBe(uri);
      expect(err.message).toContain(uri);
    }
  });

  it('rejects malformed s3 and file URIs', () => {
    for (const uri of ['', '  ', 's3://', 's3:///prefix', 's3://Upper/x', 's3://ab', 's3://b_x/y', 's3://lake/a//b', 's3://lake/../x', 's3://lake/x?versionId=1', 'file://remote-host/x']) {
      expect(configError(uri).context.uri).toBe(uri);
    }
  });
});
