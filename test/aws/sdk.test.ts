/**
 * aws/sdk.ts hands out the SDK's packages on first use: what it gives must be the very classes an `import`
 * gets, so commands go through clients unchanged, `instanceof` holds for errors, and the journal's action
 * names (`actionName`: the constructor's name) read as before.
 */
import { DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { GetObjectCommand, NoSuchKey, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { rds, s3, sts } from "../../src/aws/sdk.js";
import { actionName } from "../../src/aws/types.js";

describe("aws/sdk: the SDK's packages on first use", () => {
  it("gives the classes an import gives", () => {
    expect(s3.GetObjectCommand).toBe(GetObjectCommand);
    expect(s3.S3Client).toBe(S3Client);
    expect(rds.DescribeDBSnapshotsCommand).toBe(DescribeDBSnapshotsCommand);
  });

  it("makes commands the journal names as before, and errors that are instanceof", () => {
    const command = new rds.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "a" });
    expect(command).toBeInstanceOf(DescribeDBSnapshotsCommand);
    expect(actionName(command)).toBe("DescribeDBSnapshots");
    expect(command.input).toEqual({ DBSnapshotIdentifier: "a" });
    const missing = new NoSuchKey({ message: "gone", $metadata: {} });
    expect(missing instanceof s3.NoSuchKey).toBe(true);
    expect("GetCallerIdentityCommand" in sts).toBe(true);
  });
});
