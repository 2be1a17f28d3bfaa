import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE, DEFAULT_REQUEST_TIMEOUT_MS, resolveS3Config } from './s3Config.js';

describe('storage > s3Config', () => {
  it('defaults to AWS: no endpoint, virtual-hosted addressing, SDK checksums', () => {
    expect(resolveS3Config({}, {})).toEqual({
      region: undefined,
      endpoint: undefined,
      forcePathStyle: false,
      profile: undefined,
      checksumsWhenRequired: false,
      partSize: DEFAULT_PART_SIZE,
      queueSize: DEFAULT_QUEUE_SIZE,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    });
  });

  it('reads the request timeout from FRAUDOPS_S3_REQUEST_TIMEOUT_MS unless the option gives one', () => {
    expect(resolveS3Config({}, { FRAUDOPS_S3_REQUEST_TIMEOUT_MS: '1500' }).requestTimeoutMs).toBe(1500);
    expect(resolveS3Config({ requestTimeoutMs: 20 }, { FRAUDOPS_S3_REQUEST_TIMEOUT_MS: '1500' }).requestTimeoutMs).toBe(20);
  });

  it('reads the region from AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(resolveS3Config({}, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-2' }).region).toBe('eu-west-1');
    expect(resolveS3Config({}, { AWS_DEFAULT_REGION: 'ru-central1' }).region).toBe('ru-central1');
    expect(resolveS3Config({}, { AWS_REGION: '  ', AWS_DEFAULT_REGION: 'ru-central1' }).region).toBe('ru-central1');
  });

  it('prefers AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL and turns path-style on for custom endpoints', () => {
    const c = resolveS3Config({}, { AWS_ENDPOINT_URL: 'http://generic:1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000/' });
    expect(c).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, checksumsWhenRequired: true });
    expect(resolveS3Config({}, { AWS_ENDPOINT_URL: 'https://storage.yandexcloud.net' }).endpoint).toBe(
      'https://storage.yandexcloud.net',
    );
  });

  it('lets FRAUDOPS_S3_FORCE_PATH_STYLE, then AWS_S3_FORCE_PATH_STYLE, override the default', () => {
    const endpoint = { AWS_ENDPOINT_URL: 'https://storage.yandexcloud.net' };
    expect(resolveS3Config({}, { ...endpoint, FRAUDOPS_S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle).toBe(false);
    expect(resolveS3Config({}, { ...endpoint, AWS_S3_FORCE_PATH_STYLE: '0' }).forcePathStyle).toBe(false);
    expect(resolveS3Config({}, { FRAUDOPS_S3_FORCE_PATH_STYLE: 'yes', AWS_S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle).toBe(true);
    expect(resolveS3Config({}, { AWS_S3_FORCE_PATH_STYLE: 'TRUE' }).forcePathStyle).toBe(true);
  });

  it('lets explicit options override the environment', () => {
    const env = {
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: 'http://env:1',
      FRAUDOPS_S3_FORCE_PATH_STYLE: 'true',
    };
    expect(resolveS3Config({ region: 'us-east-1', endpoint: 'https://s3.example', forcePathStyle: false, profile: 'p' }, env)).toMatchObject({
      region: 'us-east-1',
      endpoint: 'https://s3.example',
      forcePathStyle: false,
      profile: 'p',
    });
  });

  it('keeps SDK checksums for custom endpoints when AWS_REQUEST_CHECKSUM_CALCULATION is set', () => {
    const c = resolveS3Config({}, { AWS_ENDPOINT_URL: 'http://minio:9000', AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED' });
    expect(c.checksumsWhenRequired).toBe(false);
  });

  it('rejects bad values with ConfigError naming the setting', () => {
    const cases: [object, Record<string, string>, string][] = [
      [{}, { AWS_ENDPOINT_URL: 'storage.yandexcloud.net' }, 'AWS_ENDPOINT_URL'],
      [{}, { AWS_ENDPOINT_URL_S3: 'ftp://x' }, 'AWS_ENDPOINT_URL_S3'],
      [{}, { FRAUDOPS_S3_FORCE_PATH_STYLE: 'maybe' }, 'FRAUDOPS_S3_FORCE_PATH_STYLE'],
      [{ partSize: 1024 }, {}, 'partSize'],
      [{ queueSize: 0 }, {}, 'queueSize'],
      [{}, { FRAUDOPS_S3_REQUEST_TIMEOUT_MS: '1.5' }, 'FRAUDOPS_S3_REQUEST_TIMEOUT_MS'],
      [{}, { FRAUDOPS_S3_REQUEST_TIMEOUT_MS: 'soon' }, 'FRAUDOPS_S3_REQUEST_TIMEOUT_MS'],
      [{ requestTimeoutMs: 0 }, {}, 'requestTimeoutMs'],
    ];
    for (const [options, env, field] of cases) {
      let err: unknown;
      try {
        resolveS3Config(options, env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).context.field).toBe(field);
    }
  });
});
