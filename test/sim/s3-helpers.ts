import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import type { AuthScheme, EndpointV2 } from "@smithy/types";
import type { SimulatorHandle } from "../../src/sim/index.js";
import { type Creds, keyOf, PROD, REGION } from "./helpers.js";

export const OTHER = "333333333333";

/** The SDK's S3 client against the simulator, path-style (what src/aws/session.ts configures). */
export function s3Client(
  sim: SimulatorHandle,
  account = PROD,
  region = REGION,
  creds: Creds = keyOf(account),
): S3Client {
  return new S3Client({ endpoint: sim.url, region, credentials: creds, forcePathStyle: true });
}

/**
 * S3 Control puts the account id into the host name; against a local endpoint an endpointProvider that
 * returns the URL as is keeps it in the x-amz-account-id header (same fix as src/aws/session.ts).
 */
export function s3ControlClient(sim: SimulatorHandle, account = PROD, region = REGION): S3ControlClient {
  const authScheme = { name: "sigv4", signingName: "s3", signingRegion: region, disableDoubleEncoding: true };
  const properties = { authSchemes: [authScheme as unknown as AuthScheme] } as EndpointV2["properties"];
  return new S3ControlClient({
    region,
    credentials: keyOf(account),
    endpointProvider: () => ({ url: new URL(sim.url), ...(properties ? { properties } : {}) }),
  });
}

export async function bodyText(out: { Body?: { transformToString(): Promise<string> } }): Promise<string> {
  return (await out.Body?.transformToString()) ?? "";
}
