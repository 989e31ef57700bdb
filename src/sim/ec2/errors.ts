/**
 * EC2's error codes, as the SDK sees them (no EC2 error is modelled: `err.name` is the wire code, e.g.
 * "InvalidSnapshot.NotFound"). All are HTTP 400 unless said otherwise.
 */
import { fail } from "../outcome.js";
import type { Ec2Kind } from "./model.js";

const NOUN: Record<Ec2Kind, string> = { vol: "volume", snap: "snapshot", ami: "image" };

export function notFound(kind: Ec2Kind, ids: string[]) {
  if (kind === "ami") {
    const many = ids.length > 1;
    return fail(
      "InvalidAMIID.NotFound",
      `The image id${many ? "s" : ""} '[${ids.join(", ")}]' ${many ? "do" : "does"} not exist`,
    );
  }
  const code = kind === "snap" ? "InvalidSnapshot.NotFound" : "InvalidVolume.NotFound";
  return fail(code, `The ${NOUN[kind]} '${ids[0] ?? ""}' does not exist.`);
}

export function malformed(kind: Ec2Kind, id: string) {
  const code = { vol: "InvalidVolumeID.Malformed", snap: "InvalidSnapshotID.Malformed", ami: "InvalidAMIID.Malformed" }[
    kind
  ];
  return fail(code, `Invalid id: "${id}" (expecting "${kind}-...")`);
}

/** A resource the caller can see but does not own (shared with it): EC2 answers AuthFailure. */
export function notAuthorizedFor(kind: Ec2Kind, id: string) {
  return fail("AuthFailure", `Not authorized for ${NOUN[kind]}:${id}`, 401);
}

export const missing = (name: string) => fail("MissingParameter", `The request must contain the parameter ${name}`);

export const invalidValue = (message: string) => fail("InvalidParameterValue", message);

export function unauthorized(action: string, principalArn: string) {
  const encoded = Buffer.from(
    JSON.stringify({ allowed: false, explicitDeny: true, action: `ec2:${action}`, principal: principalArn }),
  ).toString("base64url");
  return fail(
    "UnauthorizedOperation",
    `You are not authorized to perform this operation. Encoded authorization failure message: ${encoded}`,
    403,
  );
}

export const dryRunOk = () => fail("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
