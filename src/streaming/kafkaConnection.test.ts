import { describe, expect, it } from 'vitest';
import { kafkaError, kafkaSettings } from './kafkaConnection.js';

/** The client's shape: a response error wrapping per-request protocol errors with their apiCode. */
function responseError(apiCode: number): Error {
  const inner = Object.assign(new Error('protocol error'), { code: 'PLT_KFK_PROTOCOL', apiCode });
  return Object.assign(new Error('Received response with error while executing API TxnOffsetCommit(v4)'), { code: 'PLT_KFK_RESPONSE', errors: [inner] });
}

describe('streaming > kafkaConnection > kafkaError', () => {
  const s = kafkaSettings('127.0.0.1:9092');

  it('a commit refused because the group moved on is a rebalance, retriable, not an unreachable broker', () => {
    for (const code of [22, 25, 27]) {
      const e = kafkaError(responseError(code), s, 'stream');
      expect(e.code).toBe('KAFKA_GROUP_REBALANCED');
      expect(e.retriable).toBe(true);
    }
  });

  it('records too large are never retried; other failures are the brokers out of reach', () => {
    expect(kafkaError(responseError(10), s, 'stream')).toMatchObject({ code: 'KAFKA_RECORD_TOO_LARGE', retriable: false });
    expect(kafkaError(new Error('connect ECONNREFUSED 127.0.0.1:9092'), s, 'stream')).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true });
  });
});
