/**
 * Validators of decoded config values. Each returns the problem with a value (naming what is allowed) or null,
 * and says in `allowed` what passes, which the generated config reference prints.
 */
import { INSTANCE_FAMILIES, INSTANCE_SIZES, LOG_RETENTION_DAYS } from "./aws-catalogue";

/** A problem with one element of a list value: reported under `<key>[<index>]` with that element. */
export interface ElementProblem {
  index: number;
  value: unknown;
  problem: string;
}

/** A validator of one decoded value. */
export interface Check<V> {
  (value: V): string | ElementProblem | null;
  /** What passes, in a few words (for the docs). */
  readonly allowed: string;
}

/** A validator from what passes and the function finding the problem. */
export const check = <V>(allowed: string, problem: (value: V) => string | ElementProblem | null): Check<V> =>
  Object.assign((value: V) => problem(value), { allowed });

/** A string matching `pattern`; `message` names what is allowed. */
export const matches = (pattern: RegExp, allowed: string, message: string) =>
  check<string>(allowed, (v) => (pattern.test(v) ? null : message));

export const integer = (min: number, max: number) =>
  check<number>(`an integer from ${min} to ${max}`, (v) =>
    Number.isInteger(v) && v >= min && v <= max ? null : `expected an integer from ${min} to ${max}`,
  );

export const oneOf = <T>(allowed: readonly T[]) =>
  check<T>(allowed.join(", "), (v) => (allowed.includes(v) ? null : `allowed values are ${allowed.join(", ")}`));

export const retention = check<number>(
  `one of CloudWatch Logs' retention values (${LOG_RETENTION_DAYS.join(", ")} days)`,
  (v) =>
    (LOG_RETENTION_DAYS as readonly number[]).includes(v)
      ? null
      : `CloudWatch Logs accepts only ${LOG_RETENTION_DAYS.join(", ")} days`,
);

export const minLength = (n: number) =>
  check<string>(`at least ${n} characters`, (v) => (v.length >= n ? null : `expected at least ${n} characters`));

/** The problem with an IPv4 CIDR whose prefix must lie in [minPrefix, maxPrefix], or null. */
export function cidrProblem(v: unknown, minPrefix = 0, maxPrefix = 32): string | null {
  const m = typeof v === "string" ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v) : null;
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix < minPrefix || prefix > maxPrefix) {
    return `expected an IPv4 CIDR such as 10.0.0.0/16 with a prefix from /${minPrefix} to /${maxPrefix}`;
  }
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  if (prefix < 32 && addr % 2 ** (32 - prefix) !== 0) return "host bits are set: use the network address of the block";
  return null;
}

export const cidr = (minPrefix: number, maxPrefix: number) =>
  check<string>(`an IPv4 network address, /${minPrefix} to /${maxPrefix}`, (v) => cidrProblem(v, minPrefix, maxPrefix));

/** A non-empty list of IPv4 CIDRs; a bad element is reported under its index. */
export const cidrList = check<string[]>("a non-empty list of IPv4 CIDRs", (list) => {
  if (list.length === 0) return "expected a non-empty list of IPv4 CIDRs";
  for (const [index, value] of list.entries()) {
    const problem = cidrProblem(value);
    if (problem) return { index, value, problem };
  }
  return null;
});

export const amiId = matches(
  /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/,
  "an AMI id (ami-…)",
  "expected an AMI id such as ami-0123456789abcdef0",
);

export const instanceType = check<string>(
  `<family>.<size>: ${INSTANCE_FAMILIES.join(", ")}; ${INSTANCE_SIZES.join(", ")}`,
  (v) => {
    const [family, size] = v.split(".");
    return INSTANCE_FAMILIES.includes(family) && INSTANCE_SIZES.includes(size ?? "")
      ? null
      : `expected <family>.<size> with family one of ${INSTANCE_FAMILIES.join(", ")} and size one of ${INSTANCE_SIZES.join(", ")}`;
  },
);
