/**
 * Key order and key encodings. S3 lists keys in UTF-8 byte order; JavaScript compares UTF-16 code
 * units, which differs only between astral characters (surrogates) and U+E000…U+FFFF.
 */
function fixup(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 && y < 0xd800 ? x - y : fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

/**
 * `encoding-type=url` as S3 answers it: UTF-8 percent-encoding of everything but unreserved characters
 * and "/", with spaces as "+" (form encoding). Decode with `decodeURIComponent(s.replace(/\+/g, " "))`.
 */
export function s3UrlEncode(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, "/")
    .replace(/%20/g, "+");
}

/** Batch Operations manifests and completion reports: keys URL-encoded, "+" read as a space. */
export function manifestDecode(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/** How keys are written in completion reports: percent-encoded, "/" kept. */
export function manifestEncode(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, "/");
}

/** Bucket names: 3–63 of [a-z0-9.-], starting and ending with a letter or digit, not an IP address. */
export function validBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !/\.\./.test(name) &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith("xn--") &&
    !name.endsWith("-s3alias")
  );
}
