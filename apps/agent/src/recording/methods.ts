/**
 * HTTP methods as small integers, so a series key is one number. Unknown methods map to `_OTHER` (the
 * OpenTelemetry semantic convention), which also bounds cardinality against junk methods.
 */
export const METHOD_NAMES = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'QUERY', '_OTHER'] as const;
export const METHOD_COUNT = METHOD_NAMES.length;
export const OTHER_METHOD = METHOD_COUNT - 1;

/** Method string → index. The parser hands out interned strings, so each `case` is a pointer compare. */
export function methodIndex(method: string | undefined): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'POST':
      return 1;
    case 'PUT':
      return 2;
    case 'DELETE':
      return 3;
    case 'PATCH':
      return 4;
    case 'HEAD':
      return 5;
    case 'OPTIONS':
      return 6;
    case 'CONNECT':
      return 7;
    case 'TRACE':
      return 8;
    case 'QUERY':
      return 9;
    default:
      return OTHER_METHOD;
  }
}
