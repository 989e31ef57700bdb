/**
 * Who may act on a topic: principals of the owner's account, or of another account that an Allow statement of
 * the topic policy names (its id, root, or an ARN in it, or `*` without a condition) for the action. The
 * default policy's `AWS:SourceOwner` condition is the owner's account, which is already allowed.
 */
import type { Principal } from "../world.js";
import type { Topic } from "./model.js";

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Condition?: unknown;
}

function statements(policy: string): Statement[] {
  try {
    const doc = JSON.parse(policy) as { Statement?: unknown };
    const s = doc.Statement;
    return (Array.isArray(s) ? s : s === undefined ? [] : [s]) as Statement[];
  } catch {
    return [];
  }
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function actionMatches(stmt: Statement, action: string): boolean {
  return asList(stmt.Action).some((a) => {
    const lower = a.toLowerCase();
    return lower === "*" || lower === "sns:*" || lower === `sns:${action.toLowerCase()}`;
  });
}

function principalMatches(stmt: Statement, principal: Principal): boolean {
  if (stmt.Principal === "*") return true;
  const aws = asList((stmt.Principal as { AWS?: unknown } | undefined)?.AWS);
  return aws.some(
    (p) =>
      p === "*" ||
      p === principal.account ||
      p === `arn:aws:iam::${principal.account}:root` ||
      p === principal.arn ||
      p === principal.roleArn,
  );
}

export function mayAct(topic: Topic, principal: Principal, action: string): boolean {
  if (principal.account === topic.account) return true;
  const relevant = statements(topic.policy).filter(
    (s) => s.Condition === undefined && actionMatches(s, action) && principalMatches(s, principal),
  );
  return relevant.some((s) => s.Effect === "Allow") && !relevant.some((s) => s.Effect === "Deny");
}
