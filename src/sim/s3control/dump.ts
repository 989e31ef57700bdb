import type { World } from "../world.js";

/** Batch Operations jobs as the world dump shows them (no times: two runs compare equal). */
export interface S3ControlJobDump {
  id: string;
  account: string;
  region: string;
  token: string;
  status: string;
  targetBucket: string;
  total: number;
  succeeded: number;
  failed: number;
  reportKeys: string[];
}

export function s3ControlDump(world: World): { jobs: S3ControlJobDump[] } {
  const jobs = [...world.s3control.jobs.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((j) => ({
      id: j.id,
      account: j.account,
      region: j.region,
      token: j.token,
      status: j.status,
      targetBucket: j.targetBucket,
      total: j.rows.length,
      succeeded: j.succeeded,
      failed: j.failed,
      reportKeys: [...j.reportKeys],
    }));
  return { jobs };
}
