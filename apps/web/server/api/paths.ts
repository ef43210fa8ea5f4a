// Source paths short enough to read, the same in the findings' sentences and on the UI's panels.

/**
 * A path shortened to its last segments: `…/src/billing/invoice.js`; a package file keeps its package's name
 * (`handlebars/…/cjs/utils.js`); `node:` modules and short paths stay whole; `file://` URLs read as paths;
 * Windows separators count as `/`.
 */
export function shortPath(file: string, segments = 3): string {
  const path = file.startsWith('file://') ? decodeURIComponent(file.slice('file://'.length)) : file;
  if (path.startsWith('node:')) return path;
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  const nm = parts.lastIndexOf('node_modules');
  if (nm >= 0 && nm < parts.length - 1) {
    // the package name (a scoped one is two segments), then the file's last two segments
    const pkgEnd = parts[nm + 1].startsWith('@') ? nm + 3 : nm + 2;
    const pkg = parts.slice(nm + 1, pkgEnd).join('/');
    const inside = parts.slice(pkgEnd);
    if (inside.length <= 2) return [pkg, ...inside].join('/');
    return `${pkg}/…/${inside.slice(-2).join('/')}`;
  }
  if (parts.length <= segments) return path;
  return `…/${parts.slice(-segments).join('/')}`;
}

/** `…/billing/invoice.js:88` (the line left out when unknown); '' for a function without a file. */
export function codeLocation(file: string, line: number): string {
  if (file === '') return '';
  const short = shortPath(file);
  return line > 0 ? `${short}:${line}` : short;
}
