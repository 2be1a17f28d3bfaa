/**
 * Reads the top-level facts of a serialized ONNX ModelProto (IR version, producer, opset imports and
 * metadata_props) without decoding the graph, so the scorer can check input columns against the names
 * the exporter recorded before it hands rows to the runtime.
 */
import { FraudopsError } from '../../errors.js';

export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  opsets: { domain: string; version: number }[];
  metadata: Record<string, string>;
}

export function readOnnxMetadata(bytes: Uint8Array): OnnxModelInfo {
  const info: OnnxModelInfo = { irVersion: 0, producerName: '', opsets: [], metadata: {} };
  for (const f of fields(bytes)) {
    if (f.field === 1 && f.varint !== undefined) info.irVersion = f.varint;
    else if (f.field === 2 && f.bytes) info.producerName = text(f.bytes);
    else if (f.field === 8 && f.bytes) {
      const opset = { domain: '', version: 0 };
      for (const g of fields(f.bytes)) {
        if (g.field === 1 && g.bytes) opset.domain = text(g.bytes);
        else if (g.field === 2 && g.varint !== undefined) opset.version = g.varint;
      }
      info.opsets.push(opset);
    } else if (f.field === 14 && f.bytes) {
      let key = '';
      let value = '';
      for (const g of fields(f.bytes)) {
        if (g.field === 1 && g.bytes) key = text(g.bytes);
        else if (g.field === 2 && g.bytes) value = text(g.bytes);
      }
      info.metadata[key] = value;
    }
  }
  return info;
}

interface Field {
  field: number;
  varint?: number;
  bytes?: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const text = (b: Uint8Array): string => utf8.decode(b);

function malformed(at: number): FraudopsError {
  return new FraudopsError('ONNX_MALFORMED', `not a readable ONNX model: bad protobuf at byte ${at}`, { context: { offset: at } });
}

/** Fields of one message; fixed-width fields are skipped, varints above 2^53 come back imprecise. */
function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw malformed(pos);
      const b = buf[pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw malformed(pos);
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key % 8) {
      case 0:
        yield { field, varint: varint() };
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = varint();
        if (pos + len > buf.length) throw malformed(pos);
        yield { field, bytes: buf.subarray(pos, pos + len) };
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw malformed(pos);
    }
  }
  if (pos !== buf.length) throw malformed(pos);
}
