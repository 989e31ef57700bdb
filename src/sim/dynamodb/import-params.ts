/**
 * ImportTable's input read and checked as DynamoDB checks a CreateTable: the source (S3BucketSource, format,
 * compression) and TableCreationParameters (key schema against AttributeDefinitions, billing mode and
 * throughput, GSIs, SSE). ImportTable has no LocalSecondaryIndexes (an AWS limit): an LSI member is unknown to
 * the API and ignored. Messages follow DynamoDB's ValidationException wording.
 */
import { field, type JsonInput } from "../protocol/json.js";
import type { ImportParams } from "./model.js";
import type { IndexSeedData, KeyAttributeSeed, KeySchemaSeedData } from "./seed.js";

const NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** What the table an import creates is made of. */
export interface Creation {
  name: string;
  keySchema: KeySchemaSeedData;
  billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
  readCapacity: number;
  writeCapacity: number;
  gsis: IndexSeedData[];
  sse?: { type: "KMS"; keyRef?: string };
}

type Read<T> = T | { error: string };

const objectOf = (value: unknown): JsonInput | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonInput) : undefined;
const nullAt = (path: string) =>
  `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`;

function keySchemaOf(
  raw: JsonInput[],
  defs: Map<string, string>,
  where: string,
): Read<{ keys: KeySchemaSeedData; names: string[] }> {
  if (raw.length < 1 || raw.length > 2)
    return {
      error: `1 validation error detected: Value '${JSON.stringify(raw)}' at '${where}' failed to satisfy constraint: Member must have length less than or equal to 2`,
    };
  const [hash, range] = raw;
  if (field.str(hash!, "KeyType") !== "HASH")
    return { error: "Invalid KeySchema: The first KeySchemaElement is not a HASH key type" };
  if (range && field.str(range, "KeyType") !== "RANGE")
    return { error: "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type" };
  const names = raw.map((k) => field.str(k, "AttributeName") ?? "");
  if (names[0] === names[1])
    return { error: "Both the Hash Key and the Range Key element in the KeySchema have the same name" };
  const missing = names.filter((n) => !defs.has(n));
  if (missing.length > 0)
    return {
      error: `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${missing.join(", ")}], AttributeDefinitions: [${[...defs.keys()].join(", ")}]`,
    };
  const attr = (name: string): KeyAttributeSeed => ({ name, type: defs.get(name) as "S" | "N" | "B" });
  return { keys: { hash: attr(names[0]!), ...(names[1] ? { range: attr(names[1]) } : {}) }, names };
}

function throughputOf(raw: unknown, mode: string, index?: string): Read<{ read: number; write: number }> {
  const t = objectOf(raw);
  if (mode === "PAY_PER_REQUEST") {
    if (t)
      return {
        error:
          "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
      };
    return { read: 0, write: 0 };
  }
  const read = t && field.num(t, "ReadCapacityUnits");
  const write = t && field.num(t, "WriteCapacityUnits");
  if (read === undefined || write === undefined)
    return {
      error: index
        ? `One or more parameter values were invalid: ProvisionedThroughput must be specified for index: ${index}`
        : "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
    };
  if (read < 1 || write < 1)
    return {
      error: `One or more parameter values were invalid: ${read < 1 ? "ReadCapacityUnits" : "WriteCapacityUnits"} must be greater than 0 for ${index ? `index: ${index}` : "table"}`,
    };
  return { read, write };
}

function gsisOf(raw: JsonInput[], defs: Map<string, string>, mode: string, used: Set<string>): Read<IndexSeedData[]> {
  const out: IndexSeedData[] = [];
  for (const [i, g] of raw.entries()) {
    const name = field.str(g, "IndexName") ?? "";
    if (!NAME.test(name))
      return {
        error: `1 validation error detected: Value '${name}' at 'tableCreationParameters.globalSecondaryIndexes.${i + 1}.member.indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
      };
    if (out.some((o) => o.name === name))
      return { error: `One or more parameter values were invalid: Duplicate index name: ${name}` };
    const keys = keySchemaOf(field.objects(g, "KeySchema"), defs, `globalSecondaryIndexes.${i + 1}.member.keySchema`);
    if ("error" in keys) return keys;
    for (const n of keys.names) used.add(n);
    const throughput = throughputOf(g.ProvisionedThroughput, mode, name);
    if ("error" in throughput) return throughput;
    const projection = objectOf(g.Projection);
    const type = (projection && field.str(projection, "ProjectionType")) ?? "";
    if (type !== "ALL" && type !== "KEYS_ONLY" && type !== "INCLUDE")
      return { error: `One or more parameter values were invalid: Unknown ProjectionType for index: ${name}` };
    const nonKey = Array.isArray(projection?.NonKeyAttributes)
      ? (projection.NonKeyAttributes as unknown[]).filter((a): a is string => typeof a === "string")
      : undefined;
    out.push({ name, keySchema: keys.keys, projection: type, ...(nonKey ? { nonKeyAttributes: nonKey } : {}) });
  }
  return out;
}

function creationOf(p: JsonInput): Read<Creation> {
  const name = field.str(p, "TableName");
  if (!name) return { error: nullAt("tableCreationParameters.tableName") };
  if (!NAME.test(name))
    return {
      error: `1 validation error detected: Value '${name}' at 'tableCreationParameters.tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    };
  const defs = new Map<string, string>();
  const rawDefs = field.objects(p, "AttributeDefinitions");
  if (rawDefs.length === 0) return { error: nullAt("tableCreationParameters.attributeDefinitions") };
  for (const d of rawDefs) {
    const type = field.str(d, "AttributeType") ?? "";
    if (!["S", "N", "B"].includes(type))
      return {
        error: `1 validation error detected: Value '${type}' at 'tableCreationParameters.attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]`,
      };
    const attribute = field.str(d, "AttributeName") ?? "";
    if (defs.has(attribute))
      return { error: `Cannot have two attributes with the same name. Attribute name: ${attribute}` };
    defs.set(attribute, type);
  }
  const rawKeys = field.objects(p, "KeySchema");
  if (rawKeys.length === 0) return { error: nullAt("tableCreationParameters.keySchema") };
  const keys = keySchemaOf(rawKeys, defs, "tableCreationParameters.keySchema");
  if ("error" in keys) return keys;
  const mode = field.str(p, "BillingMode") ?? "PROVISIONED";
  if (mode !== "PROVISIONED" && mode !== "PAY_PER_REQUEST")
    return {
      error: `1 validation error detected: Value '${mode}' at 'tableCreationParameters.billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]`,
    };
  const throughput = throughputOf(p.ProvisionedThroughput, mode);
  if ("error" in throughput) return throughput;
  const used = new Set(keys.names);
  const gsis = gsisOf(field.objects(p, "GlobalSecondaryIndexes"), defs, mode, used);
  if ("error" in gsis) return gsis;
  if (used.size !== defs.size)
    return {
      error:
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
    };
  const sse = objectOf(p.SSESpecification);
  const sseType = sse && field.str(sse, "SSEType");
  if (sseType !== undefined && sseType !== "KMS" && sseType !== "AES256")
    return {
      error: `1 validation error detected: Value '${sseType}' at 'tableCreationParameters.sSESpecification.sSEType' failed to satisfy constraint: Member must satisfy enum value set: [AES256, KMS]`,
    };
  const kmsKey = sse && field.str(sse, "KMSMasterKeyId");
  const sseOn = sse !== undefined && field.bool(sse, "Enabled") === true && sseType !== "AES256";
  if (kmsKey !== undefined && !sseOn)
    return {
      error:
        "One or more parameter values were invalid: KMSMasterKeyId can only be specified when SSE is enabled with SSEType KMS",
    };
  return {
    name,
    keySchema: keys.keys,
    billingMode: mode,
    readCapacity: throughput.read,
    writeCapacity: throughput.write,
    gsis,
    ...(sseOn ? { sse: { type: "KMS", ...(kmsKey !== undefined ? { keyRef: kmsKey } : {}) } } : {}),
  };
}

/** The import's parameters and the table it creates, or DynamoDB's ValidationException message. */
export function readImportInput(input: JsonInput): Read<{ params: ImportParams; creation: Creation }> {
  const source = objectOf(input.S3BucketSource);
  const bucket = source && field.str(source, "S3Bucket");
  if (!bucket) return { error: nullAt("s3BucketSource.s3Bucket") };
  const format = field.str(input, "InputFormat");
  if (!format) return { error: nullAt("inputFormat") };
  if (format === "ION" || format === "CSV")
    return { error: `InputFormat ${format} is not simulated by hikkoshi-sim: use DYNAMODB_JSON` };
  if (format !== "DYNAMODB_JSON")
    return {
      error: `1 validation error detected: Value '${format}' at 'inputFormat' failed to satisfy constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION, CSV]`,
    };
  if (input.InputFormatOptions !== undefined)
    return { error: "InputFormatOptions is only valid for InputFormat CSV (not simulated by hikkoshi-sim)" };
  const compression = field.str(input, "InputCompressionType") ?? "NONE";
  if (compression === "ZSTD")
    return { error: "InputCompressionType ZSTD is not simulated by hikkoshi-sim: use GZIP or NONE" };
  if (compression !== "GZIP" && compression !== "NONE")
    return {
      error: `1 validation error detected: Value '${compression}' at 'inputCompressionType' failed to satisfy constraint: Member must satisfy enum value set: [GZIP, ZSTD, NONE]`,
    };
  const raw = objectOf(input.TableCreationParameters);
  if (!raw) return { error: nullAt("tableCreationParameters") };
  const creation = creationOf(raw);
  if ("error" in creation) return creation;
  const owner = field.str(source, "S3BucketOwner");
  const prefix = field.str(source, "S3KeyPrefix");
  return {
    creation,
    params: {
      bucket,
      ...(owner !== undefined ? { bucketOwner: owner } : {}),
      ...(prefix !== undefined ? { keyPrefix: prefix } : {}),
      format,
      compression,
      creation: raw,
    },
  };
}
