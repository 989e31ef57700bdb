/**
 * The DynamoDB step tests' world: production's tables, staging's export bucket whose policy lets production
 * write, the simulator in-process on a still clock, and a step harness for both accounts.
 */
import { type SimulatorHandle, startSimulator } from "../../../src/sim/index.js";
import { createStepHarness, type StepHarness } from "../../helpers/step-context.js";

export const REGION = "ap-northeast-1";
export const PROD = "111111111111";
export const STAGING = "222222222222";
export const BUCKET = "staging-ddb-exports";

export async function startDynamoWorld(
  prodTables: object[],
  stagingTables: object[] = [],
): Promise<{ sim: SimulatorHandle; h: StepHarness }> {
  const sim = await startSimulator({
    seed: {
      accounts: {
        [PROD]: { regions: { [REGION]: { dynamoTables: prodTables } } },
        [STAGING]: {
          regions: {
            [REGION]: {
              dynamoTables: stagingTables,
              buckets: [
                {
                  name: BUCKET,
                  policy: {
                    Version: "2012-10-17",
                    Statement: [
                      {
                        Effect: "Allow",
                        Principal: { AWS: `arn:aws:iam::${PROD}:root` },
                        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                        Resource: `arn:aws:s3:::${BUCKET}/*`,
                      },
                    ],
                  },
                },
              ],
            },
          },
        },
      },
    } as never,
  });
  sim.setSpeed(0);
  const h = await createStepHarness({
    endpoint: sim.url,
    accounts: { source: { id: PROD, region: REGION }, target: { id: STAGING, region: REGION } },
    advance: (ms) => sim.advance(ms),
    now: () => sim.now(),
  });
  return { sim, h };
}
