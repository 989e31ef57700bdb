import { dynamodbActions } from "./dynamodb/handlers.js";
import { ec2Actions } from "./ec2/handlers.js";
import { elasticacheActions } from "./elasticache/handlers.js";
import { iamActions } from "./iam/handlers.js";
import { kmsActions } from "./kms/handlers.js";
import { createEc2QueryProtocol } from "./protocol/ec2query.js";
import { createJsonProtocol } from "./protocol/json.js";
import { createQueryProtocol } from "./protocol/query.js";
import { defineService, type RawRequest, type Service } from "./protocol/types.js";
import { rdsActions } from "./rds/handlers.js";
import { createS3Service } from "./s3/service.js";
import { createS3ControlService } from "./s3control/service.js";
import { snsActions } from "./sns/handlers.js";
import { stsActions } from "./sts/handlers.js";

/** Every simulated service. A new service is one module and one entry here. */
export function buildServices(): Service[] {
  return [
    defineService("sts", createQueryProtocol({ xmlns: "https://sts.amazonaws.com/doc/2011-06-15/" }), stsActions),
    defineService("iam", createQueryProtocol({ xmlns: "https://iam.amazonaws.com/doc/2010-05-08/" }), iamActions),
    defineService("kms", createJsonProtocol({ targetPrefix: "TrentService" }), kmsActions),
    defineService("rds", createQueryProtocol({ xmlns: "http://rds.amazonaws.com/doc/2014-10-31/" }), rdsActions),
    defineService("ec2", createEc2QueryProtocol(), ec2Actions),
    createS3Service(),
    createS3ControlService(),
    defineService(
      "dynamodb",
      createJsonProtocol({
        targetPrefix: "DynamoDB_20120810",
        version: "1.0",
        errorNamespace: "com.amazonaws.dynamodb.v20120810",
      }),
      dynamodbActions,
    ),
    defineService(
      "elasticache",
      createQueryProtocol({ xmlns: "http://elasticache.amazonaws.com/doc/2015-02-02/" }),
      elasticacheActions,
    ),
    defineService("sns", createQueryProtocol({ xmlns: "http://sns.amazonaws.com/doc/2010-03-31/" }), snsActions),
  ];
}

/** The service a request is for: its signing name, then (for shared signing names) the service's own test. */
export function serviceFor(services: readonly Service[], signingName: string, req: RawRequest): Service | undefined {
  return services.find((s) => (s.signingName ?? s.name) === signingName && (s.matches?.(req) ?? true));
}
