import { aclGrants } from "./acl.js";
import { bucketFor, canonicalId, type S3Handler } from "./common.js";
import { type Bucket, type ConfigName, S3_XMLNS } from "./model.js";
import { parseXml, record, type S3Outcome, s3Fail, text, xmlReply } from "./xml.js";

/**
 * Bucket settings are kept as the documents the SDK sent and answered back as they came: the SDK parses
 * its own serialisation, so every field round-trips. A few are also read for their effect (versioning,
 * object lock, encryption, policy).
 */
interface ConfigSpec {
  name: ConfigName;
  put: string;
  get: string;
  delete?: string;
  /** What Get answers when nothing is set: an error, or a default document. */
  missing: { code: string; message: string } | { body: string };
  /** Extra checks and effects of a Put. */
  onPut?: (bucket: Bucket, doc: Record<string, unknown>) => S3Outcome<true>;
}

const empty = (root: string) => ({ body: `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}"/>` });

const SPECS: ConfigSpec[] = [
  {
    name: "encryption",
    put: "PutBucketEncryption",
    get: "GetBucketEncryption",
    delete: "DeleteBucketEncryption",
    // Every bucket has had SSE-S3 by default since January 2023.
    missing: {
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ServerSideEncryptionConfiguration xmlns="${S3_XMLNS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
    },
  },
  {
    name: "lifecycle",
    put: "PutBucketLifecycleConfiguration",
    get: "GetBucketLifecycleConfiguration",
    delete: "DeleteBucketLifecycle",
    missing: { code: "NoSuchLifecycleConfiguration", message: "The lifecycle configuration does not exist" },
  },
  {
    name: "tagging",
    put: "PutBucketTagging",
    get: "GetBucketTagging",
    delete: "DeleteBucketTagging",
    missing: { code: "NoSuchTagSet", message: "The TagSet does not exist" },
  },
  {
    name: "cors",
    put: "PutBucketCors",
    get: "GetBucketCors",
    delete: "DeleteBucketCors",
    missing: { code: "NoSuchCORSConfiguration", message: "The CORS configuration does not exist" },
  },
  {
    name: "website",
    put: "PutBucketWebsite",
    get: "GetBucketWebsite",
    delete: "DeleteBucketWebsite",
    missing: {
      code: "NoSuchWebsiteConfiguration",
      message: "The specified bucket does not have a website configuration",
    },
  },
  {
    name: "ownershipControls",
    put: "PutBucketOwnershipControls",
    get: "GetBucketOwnershipControls",
    delete: "DeleteBucketOwnershipControls",
    missing: { code: "OwnershipControlsNotFoundError", message: "The bucket ownership controls were not found" },
  },
  {
    name: "publicAccessBlock",
    put: "PutPublicAccessBlock",
    get: "GetPublicAccessBlock",
    delete: "DeletePublicAccessBlock",
    missing: {
      code: "NoSuchPublicAccessBlockConfiguration",
      message: "The public access block configuration was not found",
    },
  },
  {
    name: "notification",
    put: "PutBucketNotificationConfiguration",
    get: "GetBucketNotificationConfiguration",
    missing: empty("NotificationConfiguration"),
  },
  {
    name: "replication",
    put: "PutBucketReplication",
    get: "GetBucketReplication",
    delete: "DeleteBucketReplication",
    missing: { code: "ReplicationConfigurationNotFoundError", message: "The replication configuration was not found" },
    onPut: (bucket) =>
      bucket.versioning === "Enabled"
        ? { ok: true, value: true }
        : s3Fail(
            "InvalidRequest",
            "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
            400,
          ),
  },
  {
    name: "object-lock",
    put: "PutObjectLockConfiguration",
    get: "GetObjectLockConfiguration",
    missing: {
      code: "ObjectLockConfigurationNotFoundError",
      message: "Object Lock configuration does not exist for this bucket",
    },
    onPut: (bucket) => {
      if (bucket.versioning !== "Enabled") {
        return s3Fail(
          "InvalidBucketState",
          "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
          409,
        );
      }
      bucket.objectLockEnabled = true;
      return { ok: true, value: true };
    },
  },
  { name: "logging", put: "PutBucketLogging", get: "GetBucketLogging", missing: empty("BucketLoggingStatus") },
  {
    name: "requestPayment",
    put: "PutBucketRequestPayment",
    get: "GetBucketRequestPayment",
    missing: {
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<RequestPaymentConfiguration xmlns="${S3_XMLNS}"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>`,
    },
  },
  {
    name: "accelerate",
    put: "PutBucketAccelerateConfiguration",
    get: "GetBucketAccelerateConfiguration",
    missing: empty("AccelerateConfiguration"),
  },
];

const MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema";

function putConfig(spec: ConfigSpec): S3Handler {
  return (ctx, req) => {
    const bucket = bucketFor(ctx, req, `s3:${spec.put}`);
    if (!bucket.ok) return bucket;
    const doc = parseXml(req.text);
    if (!doc) return s3Fail("MalformedXML", MALFORMED, 400);
    const effect = spec.onPut?.(bucket.value, doc);
    if (effect && !effect.ok) return effect;
    bucket.value.configs.set(spec.name, req.text);
    return { ok: true, value: {} };
  };
}

function getConfig(spec: ConfigSpec): S3Handler {
  return (ctx, req) => {
    const bucket = bucketFor(ctx, req, `s3:${spec.get}`);
    if (!bucket.ok) return bucket;
    const stored = bucket.value.configs.get(spec.name);
    const headers = { "content-type": "application/xml" };
    if (stored !== undefined) return { ok: true, value: { headers, body: stored } };
    if ("body" in spec.missing) return { ok: true, value: { headers, body: spec.missing.body } };
    return s3Fail(spec.missing.code, spec.missing.message, 404, { BucketName: bucket.value.name });
  };
}

function deleteConfig(spec: ConfigSpec): S3Handler {
  return (ctx, req) => {
    const bucket = bucketFor(ctx, req, `s3:${spec.delete}`);
    if (!bucket.ok) return bucket;
    bucket.value.configs.delete(spec.name);
    return { ok: true, value: { status: 204 } };
  };
}

const PutBucketVersioning: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutBucketVersioning");
  if (!bucket.ok) return bucket;
  const status = text(parseXml(req.text)?.Status);
  if (status !== "Enabled" && status !== "Suspended") return s3Fail("MalformedXML", MALFORMED, 400);
  if (bucket.value.objectLockEnabled && status === "Suspended") {
    return s3Fail(
      "InvalidBucketState",
      "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
      409,
    );
  }
  bucket.value.versioning = status;
  return { ok: true, value: {} };
};

const GetBucketVersioning: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:GetBucketVersioning");
  if (!bucket.ok) return bucket;
  const v = bucket.value.versioning;
  return { ok: true, value: xmlReply("VersioningConfiguration", v === "Unversioned" ? {} : { Status: v }, S3_XMLNS) };
};

const PutBucketPolicy: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:PutBucketPolicy");
  if (!bucket.ok) return bucket;
  let doc: unknown;
  try {
    doc = JSON.parse(req.text);
  } catch {
    return s3Fail("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400);
  }
  const statements = record(doc).Statement;
  if (statements === undefined || (Array.isArray(statements) && statements.length === 0)) {
    return s3Fail("MalformedPolicy", "Missing required field Statement", 400);
  }
  bucket.value.configs.set("policy", req.text);
  return { ok: true, value: { status: 204 } };
};

const GetBucketPolicy: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:GetBucketPolicy");
  if (!bucket.ok) return bucket;
  const policy = bucket.value.configs.get("policy");
  if (policy === undefined) {
    return s3Fail("NoSuchBucketPolicy", "The bucket policy does not exist", 404, { BucketName: bucket.value.name });
  }
  return { ok: true, value: { headers: { "content-type": "application/json" }, body: policy } };
};

/** The owner's FULL_CONTROL and the grants of the seeded `acl` document (s3/acl.ts), as S3 lists them. */
const GetBucketAcl: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:GetBucketAcl");
  if (!bucket.ok) return bucket;
  const id = canonicalId(bucket.value.owner);
  const grants = aclGrants(bucket.value)
    .map(
      (g) =>
        `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${g.id}</ID></Grantee><Permission>${g.permission}</Permission></Grant>`,
    )
    .join("");
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy xmlns="${S3_XMLNS}"><Owner><ID>${id}</ID></Owner><AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`;
  return { ok: true, value: { headers: { "content-type": "application/xml" }, body } };
};

export const configActions: Record<string, S3Handler> = {
  PutBucketVersioning,
  GetBucketVersioning,
  PutBucketPolicy,
  GetBucketPolicy,
  DeleteBucketPolicy: deleteConfig({
    name: "policy",
    put: "",
    get: "",
    delete: "DeleteBucketPolicy",
    missing: empty(""),
  }),
  GetBucketAcl,
};
for (const spec of SPECS) {
  configActions[spec.put] = putConfig(spec);
  configActions[spec.get] = getConfig(spec);
  if (spec.delete) configActions[spec.delete] = deleteConfig(spec);
}
