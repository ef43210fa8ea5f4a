// Attributes: common/v1 KeyValue and AnyValue (string, bool, int, double, array, kvlist, bytes) into the
// model's plain objects. Nesting is bounded by DecodeLimits.maxDepth (PERF_OTLP_NESTING_TOO_DEEP).
import { setAttribute } from '../attributes.js';
import { bytesToBase64 } from '../base64.js';
import { OtlpErrorCode as Code, within } from '../errors.js';
import type { AttributeValue, Attributes } from '../model.js';
import { where, type WireReader } from './reader.js';

const F_KEY_VALUE = ['', 'key', 'value'];
export function readKeyValue(r: WireReader, target: Attributes, end: number, depth: number): void {
  let key = '';
  let value: AttributeValue = null;
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) key = r.string(end);
      else if (tag === 0x12) value = readAnyValue(r, r.lenEnd(end), depth, value);
      else r.skipField(tag, end, 0b110);
    }
  } catch (e) {
    throw within(e, where('KeyValue', F_KEY_VALUE, tag));
  }
  setAttribute(target, key, value);
}

const F_ANY_VALUE = ['', 'string_value', 'bool_value', 'int_value', 'double_value', 'array_value', 'kvlist_value', 'bytes_value'];
/** `prev` is the value of an earlier occurrence of the same field: protobuf merges repeated messages. */
function readAnyValue(r: WireReader, end: number, depth: number, prev: AttributeValue): AttributeValue {
  let v = prev;
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      switch (tag) {
        case 0x0a:
          v = r.string(end);
          break;
        case 0x10:
          v = r.bool(end);
          break;
        case 0x18:
          v = r.svarint64(end);
          break;
        case 0x21:
          v = r.double(end);
          break;
        case 0x2a: {
          const stop = r.lenEnd(end);
          if (depth >= r.maxDepth) r.fail(Code.NESTING_TOO_DEEP, `attribute values nested deeper than ${r.maxDepth}`);
          const list = Array.isArray(v) ? v : [];
          readValues(r, list, stop, depth + 1);
          v = list;
          break;
        }
        case 0x32: {
          const stop = r.lenEnd(end);
          if (depth >= r.maxDepth) r.fail(Code.NESTING_TOO_DEEP, `attribute values nested deeper than ${r.maxDepth}`);
          const map = v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
          readKeyValueList(r, map, stop, depth + 1);
          v = map;
          break;
        }
        case 0x3a: {
          const stop = r.lenEnd(end);
          v = bytesToBase64(r.buf, r.pos, stop);
          r.pos = stop;
          break;
        }
        default:
          r.skipField(tag, end, 0b11111110);
      }
    }
  } catch (e) {
    throw within(e, where('AnyValue', F_ANY_VALUE, tag));
  }
  return v;
}

function readValues(r: WireReader, list: AttributeValue[], end: number, depth: number): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) list.push(readAnyValue(r, r.lenEnd(end), depth, null));
      else r.skipField(tag, end, 0b10);
    }
  } catch (e) {
    throw within(e, where('ArrayValue', ['', 'values'], tag));
  }
}

function readKeyValueList(r: WireReader, map: { [key: string]: AttributeValue }, end: number, depth: number): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) readKeyValue(r, map, r.lenEnd(end), depth);
      else r.skipField(tag, end, 0b10);
    }
  } catch (e) {
    throw within(e, where('KeyValueList', ['', 'values'], tag));
  }
}
