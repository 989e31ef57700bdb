/** IAM's wildcard matching: `*` any run of characters, `?` exactly one. */

function escapeRegExp(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}

export function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.split("?").map(escapeRegExp).join("."))
    .join(".*");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

/** `s3:ListBucket*`, `kms:Describe?ey`, `*`: action names are case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatches(pattern, action, true);
}

/** The six colon-separated parts of an ARN (the last one keeps its own colons), or undefined. */
function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

/**
 * Resource / ArnLike matching: `*` alone matches everything; otherwise each of the six parts of the ARN is
 * matched on its own, case-sensitively, with `*` and `?` (IAM JSON policy reference, "Resource" and
 * "Amazon Resource Name (ARN) condition operators"). `*` does not cross from one part into the next, so
 * `arn:aws:s3:::b*` matches buckets and objects (`b/key` is one part) but `arn:aws:rds:*:1:snapshot:*` is
 * needed for snapshots in any region. A resource that is `*` (actions without resource-level permissions)
 * is matched only by a pattern of `*`.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === "*") return true;
  const p = arnParts(pattern);
  const a = arnParts(arn);
  if (!p || !a) return false;
  return p.every((part, i) => globMatches(part, a[i]!, false));
}
