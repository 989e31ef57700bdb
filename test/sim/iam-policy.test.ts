import { describe, expect, it } from "vitest";
import { arnMatches } from "../../src/sim/iam/match.js";
import { type Check, evaluate, PolicyDocumentSchema } from "../../src/sim/iam/policy.js";

const policy = (statement: Record<string, unknown>) => PolicyDocumentSchema.parse({ Statement: statement });
const check: Check = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };
const context = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([k, v]) => [k, [v]]));

describe("identity policy evaluation", () => {
  it("matches ARNs part by part: `*` does not cross a colon, `?` is one character", () => {
    expect(
      arnMatches("arn:aws:rds:*:111111111111:snapshot:hk-*", "arn:aws:rds:eu-west-1:111111111111:snapshot:hk-1"),
    ).toBe(true);
    expect(
      arnMatches("arn:aws:rds:*:111111111111:snapshot:hk-*", "arn:aws:rds:eu-west-1:111111111111:snapshot:x"),
    ).toBe(false);
    expect(arnMatches("arn:aws:rds:*", "arn:aws:rds:eu-west-1:111111111111:snapshot:x")).toBe(false);
    expect(arnMatches("arn:aws:s3:::b?", "arn:aws:s3:::b1")).toBe(true);
    expect(arnMatches("arn:aws:s3:::b?", "arn:aws:s3:::b12")).toBe(false);
    expect(arnMatches("arn:aws:s3:::*", "*")).toBe(false);
    expect(arnMatches("*", "*")).toBe(true);
  });

  it("treats a key missing from the request as AWS does: positive false, negated true, IfExists true, Null", () => {
    const allowIf = (Condition: Record<string, unknown>) => [
      policy({ Effect: "Allow", Action: "s3:*", Resource: "*", Condition }),
    ];
    const decide = (Condition: Record<string, unknown>, ctx = context({})) =>
      evaluate(allowIf(Condition), check, ctx).effect;
    expect(decide({ StringEquals: { "aws:SourceVpc": "vpc-1" } })).toBe("implicitDeny");
    expect(decide({ StringNotEquals: { "aws:SourceVpc": "vpc-1" } })).toBe("allow");
    expect(decide({ StringEqualsIfExists: { "aws:SourceVpc": "vpc-1" } })).toBe("allow");
    expect(decide({ Null: { "aws:SourceVpc": "true" } })).toBe("allow");
    expect(decide({ Null: { "aws:SourceVpc": "false" } })).toBe("implicitDeny");
    const vpc = context({ "aws:sourcevpc": "vpc-2" });
    expect(decide({ StringEqualsIfExists: { "aws:SourceVpc": "vpc-1" } }, vpc)).toBe("implicitDeny");
    expect(decide({ StringLike: { "AWS:SourceVpc": ["vpc-1", "vpc-?"] } }, vpc)).toBe("allow");
    expect(decide({ Bool: { "aws:SecureTransport": true } }, context({ "aws:securetransport": "true" }))).toBe("allow");
  });

  it("lets a Deny with NotResource apply to everything but the named resources", () => {
    const policies = [
      policy({ Effect: "Allow", Action: "*", Resource: "*" }),
      policy({ Sid: "OnlyB", Effect: "Deny", Action: "s3:*", NotResource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] }),
    ];
    expect(evaluate(policies, check, context({})).effect).toBe("allow");
    expect(evaluate(policies, { action: "s3:GetObject", resource: "arn:aws:s3:::c/k" }, context({}))).toEqual({
      effect: "explicitDeny",
      sid: "OnlyB",
    });
  });
});
