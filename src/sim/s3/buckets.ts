import { accessDenied, findBucket } from "./access.js";
import { bucketFor, isoDate, ownerXml, type S3Handler } from "./common.js";
import { validBucketName } from "./keys.js";
import { S3_XMLNS } from "./model.js";
import { addBucket, nameHeld, removeBucket } from "./names.js";
import { parseXml, s3Fail, text, xmlReply } from "./xml.js";

const CreateBucket: S3Handler = (ctx, req) => {
  const name = req.bucket ?? "";
  if (!validBucketName(name))
    return s3Fail("InvalidBucketName", "The specified bucket is not valid.", 400, { BucketName: name });
  const location = text(parseXml(req.text)?.LocationConstraint) || undefined;
  if (location === "us-east-1") {
    return s3Fail("InvalidLocationConstraint", "The specified location-constraint is not valid", 400, {
      LocationConstraint: location,
    });
  }
  const region = location ?? "us-east-1";
  if (ctx.region !== "us-east-1" && region !== ctx.region) {
    return s3Fail(
      "IllegalLocationConstraintException",
      `The ${location ?? "unspecified"} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  }
  const existing = ctx.world.s3.buckets.get(name);
  if (existing) {
    if (existing.owner !== ctx.account) {
      return s3Fail(
        "BucketAlreadyExists",
        "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
        409,
        { BucketName: name },
      );
    }
    // us-east-1 answers a re-create of one's own bucket with 200 (legacy behaviour): check the owner.
    if (existing.region === "us-east-1" && region === "us-east-1")
      return { ok: true, value: { headers: { location: `/${name}` } } };
    return s3Fail(
      "BucketAlreadyOwnedByYou",
      "Your previous request to create the named bucket succeeded and you already own it.",
      409,
      { BucketName: name },
    );
  }
  if (nameHeld(ctx.world.s3, name, ctx.now)) {
    return s3Fail(
      "OperationAborted",
      "A conflicting conditional operation is currently in progress against this resource. Please try again.",
      409,
      { BucketName: name },
    );
  }
  const objectLock = (req.headers["x-amz-bucket-object-lock-enabled"] ?? "").toLowerCase() === "true";
  addBucket(ctx.world, { name, owner: ctx.account, region, now: ctx.now, objectLock });
  const location2 = region === "us-east-1" ? `/${name}` : `http://${name}.s3.amazonaws.com/`;
  return { ok: true, value: { headers: { location: location2 } } };
};

const DeleteBucket: S3Handler = (ctx, req) => {
  const bucket = bucketFor(ctx, req, "s3:DeleteBucket");
  if (!bucket.ok) return bucket;
  if (!bucket.value.objects.isEmpty() || bucket.value.uploads.size > 0) {
    const versioned = bucket.value.versioning !== "Unversioned";
    return s3Fail(
      "BucketNotEmpty",
      versioned
        ? "The bucket you tried to delete is not empty. You must delete all versions in the bucket."
        : "The bucket you tried to delete is not empty",
      409,
      { BucketName: bucket.value.name },
    );
  }
  removeBucket(ctx.world, bucket.value, ctx.now);
  return { ok: true, value: { status: 204 } };
};

/** Answers in any region with the bucket's region header (the SDK's region discovery relies on it). */
const HeadBucket: S3Handler = (ctx, req) => {
  const found = findBucket(ctx.world, req.bucket);
  if (!found.ok) return found;
  const bucket = bucketFor(ctx, req, "s3:ListBucket", { anyRegion: true });
  if (!bucket.ok)
    return { ok: false, error: { ...bucket.error, headers: { "x-amz-bucket-region": found.value.region } } };
  return {
    ok: true,
    value: { headers: { "x-amz-bucket-region": bucket.value.region, "x-amz-access-point-alias": "false" } },
  };
};

const ListBuckets: S3Handler = (ctx, req) => {
  const prefix = req.query.get("prefix") ?? "";
  const region = req.query.get("bucket-region");
  const buckets = [...ctx.world.s3.buckets.values()]
    .filter((b) => b.owner === ctx.account && b.name.startsWith(prefix) && (!region || b.region === region))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    ok: true,
    value: xmlReply(
      "ListAllMyBucketsResult",
      {
        Owner: ownerXml(ctx.world, ctx.account),
        Buckets:
          buckets.length === 0
            ? ""
            : {
                Bucket: buckets.map((b) => ({
                  Name: b.name,
                  CreationDate: isoDate(b.createdAt),
                  BucketRegion: b.region,
                  BucketArn: `arn:aws:s3:::${b.name}`,
                })),
              },
        Prefix: prefix || undefined,
      },
      S3_XMLNS,
    ),
  };
};

const GetBucketLocation: S3Handler = (ctx, req) => {
  const found = findBucket(ctx.world, req.bucket);
  if (!found.ok) return found;
  const bucket = bucketFor(ctx, req, "s3:GetBucketLocation", { anyRegion: true });
  if (!bucket.ok) return bucket.error.code === "AccessDenied" ? accessDenied() : bucket;
  const region = bucket.value.region === "us-east-1" ? "" : bucket.value.region;
  return { ok: true, value: xmlReply("LocationConstraint", { "#text": region }, S3_XMLNS) };
};

export const bucketActions: Record<string, S3Handler> = {
  CreateBucket,
  DeleteBucket,
  HeadBucket,
  ListBuckets,
  GetBucketLocation,
};
