import { awsCategory } from "../../aws/errors.js";

/** Observation: undefined for not-found; every other failure propagates (already classified by ctx.aws). */
export async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (awsCategory(err) === "not-found") return undefined;
    throw err;
  }
}
