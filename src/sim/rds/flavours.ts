import type { RegionState, Snapshot, SnapshotKind } from "../world.js";

/**
 * DB snapshots and DB cluster snapshots follow the same rules; only their wire names and error codes
 * differ. A flavour carries those names, so each rule is written once.
 */
export interface Flavour {
  kind: SnapshotKind;
  arnType: "snapshot" | "cluster-snapshot";
  label: string;
  idParam: "DBSnapshotIdentifier" | "DBClusterSnapshotIdentifier";
  parentParam: "DBInstanceIdentifier" | "DBClusterIdentifier";
  codes: { notFound: string; alreadyExists: string; invalidState: string; parentNotFound: string };
  store(region: RegionState): Map<string, Snapshot>;
}

/** Codes checked against @aws-sdk/client-rds's error schemas (wire code, HTTP status). */
export const instanceFlavour: Flavour = {
  kind: "instance",
  arnType: "snapshot",
  label: "DB snapshot",
  idParam: "DBSnapshotIdentifier",
  parentParam: "DBInstanceIdentifier",
  codes: {
    notFound: "DBSnapshotNotFound", // 404, e.name DBSnapshotNotFoundFault
    alreadyExists: "DBSnapshotAlreadyExists", // 400, e.name DBSnapshotAlreadyExistsFault
    invalidState: "InvalidDBSnapshotState", // 400, e.name InvalidDBSnapshotStateFault
    parentNotFound: "DBInstanceNotFound", // 404, e.name DBInstanceNotFoundFault
  },
  store: (region) => region.snapshots,
};

export const clusterFlavour: Flavour = {
  kind: "cluster",
  arnType: "cluster-snapshot",
  label: "DB cluster snapshot",
  idParam: "DBClusterSnapshotIdentifier",
  parentParam: "DBClusterIdentifier",
  codes: {
    notFound: "DBClusterSnapshotNotFoundFault", // 404
    alreadyExists: "DBClusterSnapshotAlreadyExistsFault", // 400
    invalidState: "InvalidDBClusterSnapshotStateFault", // 400
    parentNotFound: "DBClusterNotFoundFault", // 404
  },
  store: (region) => region.clusterSnapshots,
};

export function flavourOf(kind: SnapshotKind): Flavour {
  return kind === "instance" ? instanceFlavour : clusterFlavour;
}

export const NOT_FOUND_STATUS = 404;

export function rdsArn(region: string, account: string, type: string, id: string): string {
  return `arn:aws:rds:${region}:${account}:${type}:${id}`;
}

const RDS_ARN = /^arn:aws:rds:([a-z0-9-]+):(\d{12}):([a-z-]+):(.+)$/;

export function parseRdsArn(arn: string): { region: string; account: string; type: string; id: string } | undefined {
  const m = RDS_ARN.exec(arn);
  return m ? { region: m[1]!, account: m[2]!, type: m[3]!, id: m[4]! } : undefined;
}

/** RDS identifiers: letter first, letters/digits/hyphens, no double or trailing hyphen; stored lower-case. */
export function validIdentifier(id: string): boolean {
  return id.length >= 1 && id.length <= 255 && /^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-))*$/.test(id) && !id.endsWith("-");
}

export function invalidIdentifierMessage(param: string, id: string): string {
  return (
    `The parameter ${param} is not a valid identifier (${id}). Identifiers must begin with a letter; must contain ` +
    "only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens."
  );
}
