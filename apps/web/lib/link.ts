// next/link is a CommonJS module with `export default` in its types: under NodeNext resolution TypeScript
// sees the module object, while the bundler (like every ESM-CJS interop) hands us the component itself.
import NextLink from 'next/link.js';

export const Link = NextLink as unknown as typeof NextLink.default;
