import { describe, expect, it } from "vitest";
import type { AwsReader } from "../../../src/steps/define.js";
import { compareKeys, listVersions } from "../../../src/steps/s3/list/list.js";
import { parseEntries, parseTop } from "../../../src/steps/s3/list/parser.js";

const owner = "<Owner><ID>abc</ID><DisplayName>Key &amp; ID</DisplayName></Owner>";
const doc = (head: string, tail = "") =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${head}` +
      `<Version><Key>a&amp;b &lt;c&gt;</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest><LastModified>2026-11-22T03:00:00.000Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>12</Size>${owner}<StorageClass>GLACIER</StorageClass></Version>` +
      `<DeleteMarker>${owner}<Key>a&amp;b &lt;c&gt;</Key><VersionId>m1</VersionId><IsLatest>true</IsLatest><LastModified>2026-11-22T04:00:00.000Z</LastModified></DeleteMarker>` +
      `<Version><Key>日本/ü</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>2026-11-22T03:00:00Z</LastModified><ETag>"abc-3"</ETag><Size>6000000000</Size><StorageClass>STANDARD</StorageClass>${owner}</Version>` +
      `${tail}</ListVersionsResult>`,
  );

describe("ListObjectVersions fast path", () => {
  it("reads entries in document order with entities, quotes and nested owners", () => {
    const xml = doc(
      "<Name>b</Name><IsTruncated>true</IsTruncated><NextKeyMarker>x&amp;y</NextKeyMarker><NextVersionIdMarker>v9</NextVersionIdMarker>",
    );
    expect(parseEntries(xml.toString("utf8"))).toEqual([
      {
        key: "a&b <c>",
        versionId: "v2",
        deleteMarker: false,
        isLatest: false,
        size: 12,
        etag: "d41d8cd98f00b204e9800998ecf8427e",
        lastModified: Date.parse("2026-11-22T03:00:00Z"),
        storageClass: "GLACIER",
      },
      {
        key: "a&b <c>",
        versionId: "m1",
        deleteMarker: true,
        isLatest: true,
        size: 0,
        etag: "",
        lastModified: Date.parse("2026-11-22T04:00:00Z"),
        storageClass: "",
      },
      {
        key: "日本/ü",
        versionId: "null",
        deleteMarker: false,
        isLatest: true,
        size: 6_000_000_000,
        etag: "abc-3",
        lastModified: Date.parse("2026-11-22T03:00:00Z"),
        storageClass: "STANDARD",
      },
    ]);
    expect(parseTop(xml)).toMatchObject({ truncated: true, nextKeyMarker: "x&y", nextVersionIdMarker: "v9" });
  });

  it("finds top-level fields after the entries too", () => {
    const xml = doc("<Name>b</Name>", "<IsTruncated>false</IsTruncated><EncodingType>url</EncodingType>");
    expect(parseTop(xml)).toMatchObject({ truncated: false, nextKeyMarker: undefined, encodingType: "url" });
  });

  it("orders keys by code point like S3 (UTF-8 bytes), not by UTF-16 units", () => {
    const keys = ["😀", "～", "a", "Z", "é"];
    const bytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareKeys)).toEqual(bytes);
  });
});

describe("listVersions with the SDK's own output", () => {
  it("merges Versions and DeleteMarkers back into S3's order and follows the markers", async () => {
    const t = (h: number) => new Date(Date.UTC(2026, 10, 22, h));
    const pages = [
      {
        IsTruncated: true,
        NextKeyMarker: "b",
        NextVersionIdMarker: "b1",
        Versions: [
          { Key: "a", VersionId: "a2", IsLatest: false, LastModified: t(2), Size: 1, ETag: '"x"' },
          { Key: "a", VersionId: "a1", IsLatest: false, LastModified: t(1), Size: 1, ETag: '"y"' },
          { Key: "b", VersionId: "b1", IsLatest: true, LastModified: t(1), Size: 2, ETag: '"z"' },
        ],
        DeleteMarkers: [{ Key: "a", VersionId: "am", IsLatest: true, LastModified: t(3) }],
      },
      {
        IsTruncated: false,
        Versions: [{ Key: "c", VersionId: "c1", IsLatest: true, LastModified: t(1), Size: 3, ETag: '"w"' }],
      },
    ];
    const seen: Array<Record<string, unknown>> = [];
    const aws = {
      read: async (_alias: string, _service: string, command: { input: Record<string, unknown> }) => {
        seen.push(command.input);
        return pages[seen.length - 1];
      },
    } as unknown as AwsReader;
    const out = [];
    for await (const e of listVersions(aws, "x", "bucket"))
      out.push(`${e.key}:${e.versionId}${e.deleteMarker ? "(m)" : ""}`);
    expect(out).toEqual(["a:am(m)", "a:a2", "a:a1", "b:b1", "c:c1"]);
    expect(seen[1]).toMatchObject({ KeyMarker: "b", VersionIdMarker: "b1" });
  });
});
