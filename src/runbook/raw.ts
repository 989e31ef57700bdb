import type { Node } from "yaml";
import type { Json } from "../core/json.js";
import type { AccountSpec, RunbookLock } from "./types.js";

/** A step as read from the file, with the YAML nodes that diagnostics point at. */
export interface RawStep {
  index: number;
  node: Node;
  id?: string;
  idNode?: Node;
  type?: string;
  typeNode?: Node;
  account?: string;
  accountNode?: Node;
  with: Record<string, unknown>;
  /** The `with` value node (or the step node when there is none). */
  withNode: Node;
  withPresent: boolean;
  needs: { id: string; node: Node }[];
  forEach?: { value: unknown; node: Node };
  if?: { value: string; node: Node };
  timeoutMs?: number;
  description?: string;
}

/** The file's content after structural checks; fields absent or broken in the file are left out. */
export interface RawRunbook {
  name?: string;
  description?: string;
  endpoint?: string;
  lock?: RunbookLock;
  accounts: Record<string, AccountSpec>;
  accountNodes: Map<string, Node>;
  params: Record<string, Json>;
  paramNodes: Map<string, Node>;
  paramsKeyNode?: Node;
  steps: RawStep[];
}
