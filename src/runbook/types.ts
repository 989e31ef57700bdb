/**
 * What the runbook layer hands the engine: a validated runbook expanded into primitive tasks.
 * The runbook layer is pure (no AWS, no SQLite); it receives the step registry as an argument.
 */
import type { Diagnostic, SourceLocation } from "../core/errors.js";
import type { Json } from "../core/json.js";

export interface AccountSpec {
  alias: string;
  id: string; // 12-digit string
  region: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  /** Endpoint override for every service of this account (simulator / LocalStack). */
  endpoint?: string;
}

export interface TaskSpec {
  /** Task address: "<stepId>" or "<stepId>[<itemKey>]", e.g. "db.copy[staging-api-db]". */
  id: string;
  /** Primitive step id; recipe children are "<recipeId>.<localId>", e.g. "db.copy". */
  stepId: string;
  /** Top-level step id as written in the runbook ("db" for "db.copy"; same as stepId otherwise). */
  topStepId: string;
  itemKey?: string;
  item?: Json;
  /** Primitive step type (recipes are already expanded). */
  type: string;
  /** Account alias the task acts in. */
  account: string;
  /**
   * Parameters with params/accounts/item already substituted. References to other tasks' outputs stay
   * as templates in canonical form: "${{ steps.<stepId>[<itemKey>].outputs.<name> }}" (no "[…]" when the
   * target has no item). A string that is exactly one template becomes the referenced value (any type);
   * otherwise the value is interpolated as text.
   */
  with: Record<string, unknown>;
  /** Condition still to evaluate at run time (it references step outputs), if any. */
  if?: string;
  timeoutMs?: number;
  description?: string;
  /** Task ids this task needs: explicit `needs` (expanded to every task of the named step) + references. */
  needs: string[];
  /** Hash of everything that defines the task (type, account, with, if, timeout, needs). */
  defHash: string;
  location: SourceLocation;
}

/** A top-level step as written, for display trees (plan/status) and for `needs` of whole steps. */
export interface StepSummary {
  id: string;
  type: string; // as written (may be a recipe type)
  description?: string;
  /** Primitive step ids this step expanded to, in order ([id] for a primitive). */
  children: string[];
  location: SourceLocation;
}

/** `lock:` — the team's bucket for the shared migration lock (one object per migration). */
export interface RunbookLock {
  /** Alias of the account that owns the bucket. */
  account: string;
  bucket: string;
  /** Key prefix; default `hikkoshi/locks`. */
  prefix?: string;
}

export interface Runbook {
  path: string;
  /** The file's exact text and its sha256, stored with the run. */
  text: string;
  hash: string;
  version: 1;
  name: string;
  description?: string;
  accounts: Record<string, AccountSpec>;
  /** Top-level endpoint override (applies to every account without its own). */
  endpoint?: string;
  /** The shared migration lock: an object in this bucket says which run is the live run of this migration. */
  lock?: RunbookLock;
  /** Effective params: defaults from the file with `--param` overrides applied. */
  params: Record<string, Json>;
  steps: StepSummary[];
  /** Every task, in a topological order (dependencies first). */
  tasks: TaskSpec[];
  /** Non-blocking findings (severity "warning"), when there are any. */
  warnings?: Diagnostic[];
}

export interface LoadOptions {
  /** `--param k=v` overrides; values are parsed as YAML scalars/flow collections, and are data (never templates). */
  paramOverrides?: Record<string, string>;
  /** The regions an account may name. Without it regions are not checked (the runbook layer has no SDK). */
  regions?: RegionCatalog;
}

/** The AWS regions there are, from the SDK's partition data (given by the caller). */
export interface RegionCatalog {
  isKnown(region: string): boolean;
  /** Every known region, for did-you-mean. */
  names(): readonly string[];
}
