/**
 * Data shapes of the day-2 plan (pure: no Pulumi, no I/O).
 *
 * A Snapshot is one mock-level run of the program, reduced to plain JSON: every resource with its inputs (assets
 * and archives replaced by content hashes), the computed outputs the mock gave it, its resource options and the
 * property dependencies the SDK reported; and every stack output, hashed.
 */
import type { RecordedOptions } from "../program-mocks";

export interface SnapshotResource {
  /** `type::name`, unique within a stack. */
  key: string;
  type: string;
  name: string;
  custom: boolean;
  id: string;
  inputs: Record<string, unknown>;
  /** Outputs the provider computes (state keys that are not inputs), as the mock answered them. */
  computed: Record<string, unknown>;
  opts: RecordedOptions;
  propertyDeps: Record<string, string[]>;
  /** Replaced whatever its diff (`pulumi up --replace`). */
  forceReplace?: boolean;
}

export interface SnapshotOutput {
  /** sha256 of the resolved value's JSON: outputs hold secrets, so only their fingerprint is kept. */
  sha256: string;
  /** The value holds a placeholder for a value known only after apply. */
  unknown: boolean;
}

export interface Snapshot {
  stack: string;
  resources: SnapshotResource[];
  outputs: Record<string, SnapshotOutput>;
}

export type Action = "create" | "update" | "replace" | "delete" | "same";

export interface ChangeReason {
  /** Input property path, e.g. `ebsBlockDevices[0].volumeSize`. */
  path: string;
  /** Replacement forced by the provider (table), by `replaceOnChanges`, or a plain update. */
  effect: "replace" | "update";
  /** Set when the new value is known only after apply: `name.property` of the replaced resource it comes from. */
  unknownFrom?: string;
}

export interface PlanRow {
  key: string;
  type: string;
  name: string;
  action: Action;
  reasons: ChangeReason[];
  /** Paths that changed but are listed in ignoreChanges. */
  ignored: string[];
  /** Human notes: deleteBeforeReplace, retainOnDelete, provider update behaviour. */
  notes: string[];
  /** Why `pulumi up` would stop at this step (protect, a replacement that must delete first but does not). */
  failsOnApply?: string;
  /** Why the resource holds data (undefined when it does not). */
  dataBearing?: string;
  /** The resource holds data and the action destroys or empties it. */
  dataLoss: boolean;
  /** Computed outputs that change (unknown at preview) because of this step. */
  recomputed: string[];
  /** The type has no replace-on-change table: the plan cannot tell update from replace. */
  untabled?: boolean;
}

export interface OutputChange {
  name: string;
  change: "same" | "changed" | "unknown" | "added" | "removed";
}

export interface Plan {
  stack: string;
  rows: PlanRow[];
  outputs: OutputChange[];
}
