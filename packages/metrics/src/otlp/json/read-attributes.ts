// Attributes in the OTLP/JSON mapping: [{key, value: AnyValue}] into the model's plain objects.
import { setAttribute } from '../attributes.js';
import { normalizeBase64 } from '../base64.js';
import { DecodeFailure, OtlpErrorCode as Code, within } from '../errors.js';
import type { AttributeValue, Attributes } from '../model.js';
import { bad, bool, budget, dbl, I64, list, object, str } from './values.js';

export function readAttributes(target: Attributes, v: unknown, at: string, depth: number): void {
  if (v === null || v === undefined) return;
  if (!Array.isArray(v)) bad(at, 'an array of {key, value}', v);
  let i = 0;
  try {
    for (; i < v.length; i++) {
      const kv = object(v[i], '');
      if (kv === null) {
        setAttribute(target, '', null);
        continue;
      }
      let key = '';
      let value: AttributeValue = null;
      for (const k in kv) {
        if (k === 'key') key = str(kv[k], '.key');
        else if (k === 'value') value = readAnyValue(kv[k], depth);
      }
      setAttribute(target, key, value);
    }
  } catch (e) {
    throw within(e, `${at}[${i}]`);
  }
}

function readAnyValue(v: unknown, depth: number): AttributeValue {
  const o = object(v, '.value');
  if (o === null) return null;
  let out: AttributeValue = null;
  let seen = '';
  try {
    for (const k in o) {
      const x = o[k];
      if (x === null || x === undefined) continue;
      let field: string;
      switch (k) {
        case 'stringValue':
        case 'string_value':
          field = 'stringValue';
          out = str(x, '.stringValue');
          break;
        case 'boolValue':
        case 'bool_value':
          field = 'boolValue';
          out = bool(x, '.boolValue');
          break;
        case 'intValue':
        case 'int_value':
          field = 'intValue';
          out = I64(x, '.intValue');
          break;
        case 'doubleValue':
        case 'double_value':
          field = 'doubleValue';
          out = dbl(x, '.doubleValue');
          break;
        case 'bytesValue':
        case 'bytes_value':
          field = 'bytesValue';
          out = normalizeBase64(str(x, '.bytesValue'), '.bytesValue');
          break;
        case 'arrayValue':
        case 'array_value': {
          field = 'arrayValue';
          if (depth >= budget.maxDepth) throw new DecodeFailure(Code.NESTING_TOO_DEEP, `attribute values nested deeper than ${budget.maxDepth}`, '.arrayValue');
          const a = object(x, '.arrayValue');
          const values: AttributeValue[] = [];
          if (a !== null) list(a.values, '.arrayValue.values', values, (item) => readAnyValueItem(item, depth + 1));
          out = values;
          break;
        }
        case 'kvlistValue':
        case 'kvlist_value': {
          field = 'kvlistValue';
          if (depth >= budget.maxDepth) throw new DecodeFailure(Code.NESTING_TOO_DEEP, `attribute values nested deeper than ${budget.maxDepth}`, '.kvlistValue');
          const a = object(x, '.kvlistValue');
          const map: { [key: string]: AttributeValue } = {};
          if (a !== null) readAttributes(map, a.values, '.kvlistValue.values', depth + 1);
          out = map;
          break;
        }
        default:
          continue;
      }
      if (seen !== '') throw new DecodeFailure(Code.BAD_FIELD, `an AnyValue holds both ${seen} and ${field}`, `.${field}`);
      seen = field;
    }
  } catch (e) {
    throw within(e, '.value');
  }
  return out;
}

/** An ArrayValue element is an AnyValue itself (not wrapped in {value}). */
function readAnyValueItem(item: unknown, depth: number): AttributeValue {
  try {
    return readAnyValue(item, depth);
  } catch (e) {
    // readAnyValue prefixes '.value', which an array element does not have
    if (e instanceof DecodeFailure && e.path[e.path.length - 1] === '.value') e.path.pop();
    throw e;
  }
}
