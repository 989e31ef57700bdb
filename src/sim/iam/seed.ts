import { z } from "zod";
import { PolicyDocumentSchema } from "./policy.js";

/** Identity policies of a user or role: a list of policy documents (evaluated when enforceIamPolicies). */
export const PoliciesSeed = z.array(PolicyDocumentSchema);

export const UserSeed = z.strictObject({
  name: z.string().regex(/^[\w+=,.@-]{1,64}$/, "an IAM user name"),
  /** The user's access key id. Default: `AKSIM<account>-<name>`. */
  accessKeyId: z.string().min(16).optional(),
  /** Absent: none given (sim-user stays the account's admin; any other user may do nothing when enforced). */
  policies: PoliciesSeed.optional(),
});

/** The default access key id of a seeded user: the AKSIM convention with the user's name. */
export function userKeyId(account: string, name: string): string {
  return `AKSIM${account}-${name}`;
}
