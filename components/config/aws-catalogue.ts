/**
 * What AWS accepts and what we size for: the facts the config schema validates against and the components build
 * with (instance families and sizes, CloudWatch Logs retention values, GuardDuty frequencies, RDS connection
 * limits, CPU architectures). Pure data and functions: no Pulumi.
 */

/** The CPU architecture of an instance type: the platform the app's image is built for. */
export type Arch = "arm64" | "x86_64";

/** CloudWatch Logs accepts only these retention values (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Instance families we build and size for; Graviton families (with a "g") run linux/arm64. */
export const INSTANCE_FAMILIES = [
  "t3",
  "t3a",
  "t4g",
  "m6i",
  "m7i",
  "m6g",
  "m7g",
  "c6i",
  "c7i",
  "c6g",
  "c7g",
  "r6i",
  "r6g",
  "r7g",
];

/** Instance sizes we build and size for (`<family>.<size>`). */
export const INSTANCE_SIZES = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge"];

/** How often GuardDuty publishes updated findings (its `findingPublishingFrequency` values). */
export const FINDING_FREQUENCIES = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] as const;
export type FindingFrequency = (typeof FINDING_FREQUENCIES)[number];

/** The architecture of an instance type: Graviton families (a "g" after the generation) are arm64. */
export function archOf(instanceType: string): Arch {
  const family = instanceType.split(".")[0];
  return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

/** RDS PostgreSQL instance families the fleet's database may use (`db.<family>.<size>`). */
export const DB_INSTANCE_FAMILIES = ["t4g", "t3", "m6g", "m7g", "m6i", "m7i", "r6g", "r7g", "r6i"];
/** RDS instance sizes the fleet's database may use; `maxConnectionsOf` knows the memory of each. */
export const DB_INSTANCE_SIZES = ["micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge"];

/** Memory (GiB) of the instance classes the config accepts, by size. */
const CLASS_MEMORY_GIB: Record<string, number> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  "2xlarge": 32,
  "4xlarge": 64,
};

/**
 * The `max_connections` the parameter group sets for an instance class: about 100 per GiB (RDS's own default,
 * LEAST(DBInstanceClassMemory/9531392, 5000), gives a little more but depends on memory RDS reserves), so the
 * connection alarm has an exact ceiling and the config parser can check the app's pools fit under it.
 */
export function maxConnectionsOf(instanceClass: string): number {
  const size = instanceClass.split(".")[2] ?? "";
  const family = instanceClass.split(".")[1] ?? "";
  // Memory-optimised (r) classes have twice the memory of the same size.
  const gib = (CLASS_MEMORY_GIB[size] ?? 1) * (family.startsWith("r") ? 2 : 1);
  return Math.min(5000, gib * 100);
}

/** The pool each fleet instance opens to the database (the service's DB_POOL_MAX). */
export const DB_POOL_PER_INSTANCE = 10;
