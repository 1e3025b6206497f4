/**
 * The day-2 changes that happen to a deployed stack in real life, as inputs to two mock-level runs (before,
 * after). Pure data: the runner turns a RunSpec into config overrides and mock answers.
 */
import { ENVIRONMENTS, type Environment } from "../../../components/config/environments";

export const CHANGES = [
  "ami",
  "token",
  "bundle",
  "volume",
  "image",
  "instance-type",
  "replace-hosts",
  "pin-ami",
] as const;
/**
 * Scale-out changes: a stack growing into a new shape rather than a routine day-2 event. Simulated on demand
 * (`npm run plan-check -- --change monitoring-pair`, tests/infra/day2-scale.test.ts), not in every day-2 run.
 */
export const SCALE_CHANGES = ["monitoring-pair"] as const;
export type ChangeId = (typeof CHANGES)[number] | (typeof SCALE_CHANGES)[number];

export const CHANGE_TITLES: Record<ChangeId, string> = {
  ami: "a newer Amazon Linux 2023 AMI is published (the lookup's most recent image changes)",
  token: "the API token and the Grafana admin password are rotated",
  bundle: "the monitoring bundle changes (Prometheus retention)",
  volume: "both data volumes are made larger",
  image: "the service's code changes: a new image digest",
  "instance-type": "both hosts move to the next instance size",
  "replace-hosts": "every host is replaced (pulumi up --replace <instance URN>)",
  "pin-ami": "the newer AMI is pinned in config (appAmiId, monitoringAmiId): the documented way to roll it",
  "monitoring-pair":
    "a single monitoring host becomes an HA pair writing to a managed workspace (monitoringReplicas 1 → 2, managedPrometheus false → true)",
};

/** The AMI the mock lookup answers before; `ami` makes it answer a newer one after. */
export const BASE_AMI = { id: "ami-0123456789abcdef0", name: "al2023-ami-2023.6.20250115.0-kernel-6.1" };
export const NEWER_AMI = { id: "ami-0fedcba9876543210", name: "al2023-ami-2023.7.20250301.0-kernel-6.1" };

/**
 * The documented way to roll a new AMI (README, "Day 2"), as changes after a new release: pin it in config.
 * (`pulumi up --replace` alone keeps the old AMI: the engine restores ignored inputs from state.)
 */
export const AMI_ROLL: ChangeId[] = ["ami", "pin-ami"];

export const ROTATION = {
  grafanaBefore: "grafana-admin-password-before-rotation",
  grafanaAfter: "grafana-admin-password-after-rotation",
  apiTokenAfter: "rotated-api-token-0123456789abcdef0123456789abcdef",
};

export interface RunSpec {
  /** Config overrides (keys without the project prefix). */
  config: Record<string, unknown>;
  /** What the AMI lookup answers. */
  ami: { id: string; name: string };
  /** Stands in for the build context the Docker provider hashes at check (build.contextDigest). */
  imageContext: string;
  /** Types whose resources are replaced whatever their diff (`pulumi up --replace`). */
  replaceTypes: string[];
}

const SIZES = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"];

/** The next size of the same family (t4g.small → t4g.medium). */
export function nextSize(instanceType: string): string {
  const [family, size] = instanceType.split(".");
  const i = SIZES.indexOf(size);
  if (i < 0 || i === SIZES.length - 1) throw new Error(`instance type ${instanceType}: no next size known`);
  return `${family}.${SIZES[i + 1]}`;
}

/**
 * The run for one phase of a set of changes. `current` reads the stack's own config (Pulumi.yaml defaults and
 * Pulumi.<stack>.yaml), so "larger" and "next size" are relative to what the stack has.
 */
export function runSpec(
  changes: readonly ChangeId[],
  phase: "before" | "after",
  current: (key: string) => unknown,
): RunSpec {
  const spec: RunSpec = { config: {}, ami: BASE_AMI, imageContext: "service-build-context-before", replaceTypes: [] };
  const after = phase === "after";
  const num = (key: string) => Number(current(key));
  for (const c of changes) {
    switch (c) {
      case "ami":
        if (after) spec.ami = NEWER_AMI;
        break;
      case "token":
        spec.config.grafanaAdminPassword = after ? ROTATION.grafanaAfter : ROTATION.grafanaBefore;
        if (after) spec.config.apiToken = ROTATION.apiTokenAfter;
        break;
      case "bundle":
        if (after) spec.config.prometheusRetention = current("prometheusRetention") === "60d" ? "90d" : "60d";
        break;
      case "volume":
        if (after) {
          spec.config.appDataVolumeGiB = num("appDataVolumeGiB") + 10;
          spec.config.monitoringDataVolumeGiB = num("monitoringDataVolumeGiB") + 10;
        }
        break;
      case "image":
        if (after) spec.imageContext = "service-build-context-after";
        break;
      case "instance-type":
        if (after) {
          spec.config.appInstanceType = nextSize(String(current("appInstanceType")));
          spec.config.monitoringInstanceType = nextSize(String(current("monitoringInstanceType")));
        }
        break;
      case "replace-hosts":
        if (after) spec.replaceTypes.push("aws:ec2/instance:Instance");
        break;
      case "pin-ami":
        if (after) {
          spec.config.appAmiId = NEWER_AMI.id;
          spec.config.monitoringAmiId = NEWER_AMI.id;
        }
        break;
      case "monitoring-pair":
        spec.config.monitoringReplicas = after ? 2 : 1;
        spec.config.managedPrometheus = after;
        break;
    }
  }
  return spec;
}

/** Parse a `--change` value: one change, several separated by commas, or `all`. */
export function parseChanges(value: string): ChangeId[] {
  if (value === "all") return [...CHANGES];
  const known: readonly string[] = [...CHANGES, ...SCALE_CHANGES];
  const ids = value.split(",").map((s) => s.trim());
  const bad = ids.filter((s) => !known.includes(s));
  if (!ids.length || bad.length) {
    throw new Error(
      `--change ${value}: unknown change ${bad.join(", ") || "(empty)"}; allowed: ${known.join(", ")}, all`,
    );
  }
  return ids as ChangeId[];
}

/** Parse a `--stack` value. */
/** The stack a plan is simulated for: one per environment (components/config/environments.ts). */
export function parseStack(value: string | undefined): Environment {
  if (!value || !(ENVIRONMENTS as readonly string[]).includes(value)) {
    throw new Error(`--stack ${value ?? "(missing)"}: allowed: ${ENVIRONMENTS.join(", ")}`);
  }
  return value as Environment;
}
