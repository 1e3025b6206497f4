/** What every policy module shares: the mandatory-policy builder and readers of resource properties. */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

/** A resource's properties, as CrossGuard hands them over. */
export type Props = Record<string, unknown>;

/** A mandatory policy over one resource's inputs: `check` sees its type and properties. */
export function mandatory(
  name: string,
  description: string,
  check: (type: string, p: Props, report: ReportViolation, args: ResourceValidationArgs) => void,
  extra: Partial<ResourceValidationPolicy> = {},
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => check(args.type, args.props as Props, report, args),
    ...extra,
  };
}

/** The statements of a JSON policy document (none if it is not one). */
export const statements = (policyJson: unknown): Record<string, unknown>[] => {
  if (typeof policyJson !== "string") return [];
  try {
    const doc = JSON.parse(policyJson) as { Statement?: Record<string, unknown>[] | Record<string, unknown> };
    return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  } catch {
    return [];
  }
};

/** A boolean the provider may take as a string (`"true"`, as launch templates do). */
export const truthy = (v: unknown) => v === true || v === "true";
/** A list property, or none. */
export const listOf = (v: unknown): Props[] => (Array.isArray(v) ? (v as Props[]) : []);
