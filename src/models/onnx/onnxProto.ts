/**
 * Plain-data descriptions of the ONNX messages the exporter emits (ModelProto, GraphProto, NodeProto,
 * AttributeProto, ValueInfoProto, TensorProto) and their encoding. Field numbers follow onnx.proto
 * (IR version 10); only the fields we write are listed, so this is a builder, not a general ONNX library.
 */
import { ProtobufWriter } from './protobufWriter.js';

/** TensorProto.DataType values we use. */
export const OnnxDataType = { FLOAT: 1, UINT8: 2, INT64: 7, DOUBLE: 11 } as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

export interface OnnxTensor {
  name?: string;
  dataType: OnnxDataType;
  dims: number[];
  values: ArrayLike<number>;
}

export type OnnxAttribute =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'tensor'; value: OnnxTensor }
  | { name: string; type: 'floats'; value: ArrayLike<number> }
  | { name: string; type: 'ints'; value: ArrayLike<number> };

export interface OnnxNode {
  opType: string;
  /** '' (or absent) for the default ai.onnx domain. */
  domain?: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

/** A tensor-typed graph input or output; a string dimension is symbolic (e.g. the batch size "N"). */
export interface OnnxValueInfo {
  name: string;
  elemType: OnnxDataType;
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: OnnxTensor[];
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion?: string;
  docString?: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtobufWriter();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion);
  if (m.docString !== undefined) w.string(6, m.docString);
  w.message(7, (g) => writeGraph(g, m.graph));
  for (const o of m.opsets) {
    w.message(8, (s) => {
      if (o.domain !== '') s.string(1, o.domain);
      s.int(2, o.version);
    });
  }
  for (const [key, value] of Object.entries(m.metadata)) {
    w.message(14, (e) => e.string(1, key).string(2, value));
  }
  return w.finish();
}

function writeGraph(w: ProtobufWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (x) => writeNode(x, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (x) => writeTensor(x, t));
  for (const v of g.inputs) w.message(11, (x) => writeValueInfo(x, v));
  for (const v of g.outputs) w.message(12, (x) => writeValueInfo(x, v));
}

function writeNode(w: ProtobufWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, (x) => writeAttribute(x, a));
  if (n.domain) w.string(7, n.domain);
}

function writeAttribute(w: ProtobufWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  w.int(20, ATTR_TYPE[a.type]);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (x) => writeTensor(x, a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
  }
}

function writeTensor(w: ProtobufWriter, t: OnnxTensor): void {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.values.length) throw new RangeError(`tensor ${t.name ?? ''}: dims [${t.dims}] hold ${count} values, got ${t.values.length}`);
  w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  switch (t.dataType) {
    case OnnxDataType.FLOAT:
      w.packedFloats(4, t.values);
      break;
    case OnnxDataType.UINT8: // stored widened in int32_data
      w.packedInts(5, t.values);
      break;
    case OnnxDataType.INT64:
      w.packedInts(7, t.values);
      break;
    case OnnxDataType.DOUBLE:
      w.packedDoubles(10, t.values);
      break;
  }
  if (t.name !== undefined) w.string(8, t.name);
}

function writeValueInfo(w: ProtobufWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  // TypeProto { tensor_type = 1: Tensor { elem_type = 1, shape = 2: TensorShapeProto { dim = 1 } } }
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)));
        }
      });
    }),
  );
}
