/**
 * The world of the S3 data-step tests: a versioned source bucket in production (keys that break naive
 * URL handling, several versions per key, delete markers in the middle and on top, a key with only a
 * marker), a policy that lets staging and its Batch Operations role read it, and in staging a manifest
 * bucket, a destination and the role.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import { type SeedObject, type SimulatorHandle, startSimulator } from "../../../src/sim/index.js";
import { createStepHarness, type StepHarness } from "../../helpers/step-context.js";

export const REGION = "ap-northeast-1";
export const PROD = "111111111111";
export const STAGING = "222222222222";
export const ROLE_ARN = `arn:aws:iam::${STAGING}:role/batch-ops`;
export const SOURCE = "hk-src-data";
export const DEST = "hk-dst-data";
export const MANIFESTS = "hk-manifests";

/** Oldest first, as the seed wants them; `null` = a delete marker. */
export const HISTORY: Record<string, Array<string | null>> = {
  "plain.txt": ["p1", "p2", "p3"],
  "with space.txt": ["s1", "s2"],
  "a+b=c&d.txt": ["plus1"],
  "100%.txt": ["pct1", "pct2", null],
  "./dot/start.txt": ["dot1"],
  "../up.txt": ["up1", "up2"],
  "ユニコード/ファイル.txt": ["u1", "u2", "u3", "u4"],
  "emoji-😀.bin": ["e1"],
  "wide-～.txt": ["w1", "w2"],
  "deleted-then-back.txt": ["d1", null, "d2"],
  "gone.txt": ["g1", null],
  "only-marker.txt": [null],
  "dir/nested/deep/file.json": ['{"a":1}', '{"a":2}'],
};

export const readPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "StagingReads",
      Effect: "Allow",
      Principal: { AWS: [`arn:aws:iam::${STAGING}:root`, ROLE_ARN] },
      Action: [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetObjectTagging",
        "s3:GetObjectVersionTagging",
        "s3:ListBucket",
        "s3:ListBucketVersions",
      ],
      Resource: [`arn:aws:s3:::${SOURCE}`, `arn:aws:s3:::${SOURCE}/*`],
    },
  ],
};

export interface SeedOptions {
  /** Replaces fields of the source bucket's seed (e.g. `generated`, `objects: []`). */
  source?: Record<string, unknown>;
  /** Objects added to the source's seeded ones. */
  extraObjects?: unknown[];
  /** More buckets in staging. */
  buckets?: unknown[];
}

export function seedWith(o: SeedOptions = {}): SeedObject {
  return {
    speed: 0,
    s3BatchTasksPerSecond: 5,
    s3BatchPrepareSeconds: 30,
    accounts: {
      [PROD]: {
        name: "production",
        regions: {
          [REGION]: {
            buckets: [
              {
                name: SOURCE,
                versioning: "Enabled",
                policy: readPolicy,
                objects: [
                  ...Object.entries(HISTORY).map(([key, versions]) => ({
                    key,
                    versions: versions.map((v) => (v === null ? { deleteMarker: true } : { body: v })),
                  })),
                  ...(o.extraObjects ?? []),
                ],
                ...o.source,
              },
            ],
          },
        },
      },
      [STAGING]: {
        name: "staging",
        roles: [{ name: "batch-ops", trustService: "batchoperations.s3.amazonaws.com" }],
        regions: {
          [REGION]: {
            buckets: [
              { name: MANIFESTS },
              { name: DEST, versioning: "Enabled" },
              { name: "hk-dst-direct", versioning: "Enabled" },
              ...(o.buckets ?? []),
            ],
          },
        },
      },
    },
  } as SeedObject;
}

export interface DataWorld {
  sim: SimulatorHandle;
  h: StepHarness;
  close(): Promise<void>;
}

export async function startDataWorld(seed: SeedObject = seedWith(), runId?: string): Promise<DataWorld> {
  const sim = await startSimulator({ seed });
  sim.setSpeed(0);
  const h = await createStepHarness({
    endpoint: sim.url,
    accounts: { source: { id: PROD, region: REGION }, target: { id: STAGING, region: REGION } },
    advance: (ms) => sim.advance(ms),
    now: () => sim.now(),
    ...(runId ? { runId } : {}),
  });
  return {
    sim,
    h,
    close: async () => {
      h.close();
      await sim.close();
    },
  };
}

export interface KeyState {
  /** Bodies of the versions, oldest first. */
  versions: string[];
  deleted: boolean;
}

/** Every key's versions (bodies, oldest first) and whether its latest entry is a delete marker. */
export async function bucketState(s3: S3Client, bucket: string): Promise<Record<string, KeyState>> {
  const out: Record<string, KeyState> = {};
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  const entries: Array<{ key: string; versionId: string; marker: boolean; latest: boolean }> = [];
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
    );
    for (const v of page.Versions ?? [])
      entries.push({ key: v.Key!, versionId: v.VersionId!, marker: false, latest: !!v.IsLatest });
    for (const m of page.DeleteMarkers ?? [])
      entries.push({ key: m.Key!, versionId: m.VersionId!, marker: true, latest: !!m.IsLatest });
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  for (const e of entries) {
    out[e.key] ??= { versions: [], deleted: false };
    if (e.latest && e.marker) out[e.key]!.deleted = true;
  }
  // Bodies of versions, oldest first: S3 lists a key's versions newest first (copies made within the
  // same virtual second share a timestamp, so listing order is the only order).
  const versionsByKey = new Map<string, string[]>();
  for (const e of entries) if (!e.marker) versionsByKey.set(e.key, [...(versionsByKey.get(e.key) ?? []), e.versionId]);
  for (const [key, ids] of versionsByKey) {
    for (const versionId of ids.reverse()) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      out[key]!.versions.push(await got.Body!.transformToString());
    }
  }
  for (const [key, state] of Object.entries(out)) if (state.versions.length === 0) delete out[key];
  return out;
}

/** The current body of a key, or undefined when it is deleted/absent. */
export async function currentBody(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch {
    return undefined;
  }
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return got.Body!.transformToString();
}

/** What the source holds, as bucketState reports it. */
export function expectedState(): Record<string, KeyState> {
  const out: Record<string, KeyState> = {};
  for (const [key, history] of Object.entries(HISTORY)) {
    const versions = history.filter((v): v is string => v !== null);
    if (versions.length === 0) continue;
    out[key] = { versions, deleted: history[history.length - 1] === null };
  }
  return out;
}
