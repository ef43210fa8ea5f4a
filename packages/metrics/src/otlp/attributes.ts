import type { AttributeValue, Attributes } from './model.js';

/**
 * Sets one attribute. A key named `__proto__` (legal in OTLP) becomes an own property instead of
 * replacing the object's prototype.
 */
export function setAttribute(target: Attributes | { [key: string]: AttributeValue }, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
