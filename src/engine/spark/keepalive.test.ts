import { describe, expect, it } from 'vitest';
import { KEEPALIVE_MS } from './SparkConnectClient.js';

/** gRPC Java's default `permitKeepAliveTime`: a server closes connections that ping more often (too_many_pings). */
const GRPC_JAVA_PERMIT_KEEPALIVE_MS = 5 * 60_000;

describe('Spark Connect channel keepalive', () => {
  it('pings no more often than a gRPC Java server permits, so long statements are not cut off', () => {
    expect(KEEPALIVE_MS).toBeGreaterThan(GRPC_JAVA_PERMIT_KEEPALIVE_MS);
    // and still often enough to notice a dead connection within a few minutes of a long statement
    expect(KEEPALIVE_MS).toBeLessThanOrEqual(10 * 60_000);
  });
});
