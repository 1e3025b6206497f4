import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "../../policy/policies";
import type { Recorded } from "../../scripts/lib/program-mocks";

/** What a policy sees of a resource: its inputs and, when recorded, which resources each input came from. */
export type PolicyInput = Pick<Recorded, "type" | "name" | "inputs"> & Partial<Pick<Recorded, "propertyDeps">>;

/**
 * Run every policy of the pack over recorded resources (mock-level: the engine's analyzer is not involved). Stack
 * policies see each resource's property dependencies (`type::name` keys, as recorded) as the engine hands them.
 */
export async function runPolicies(resources: PolicyInput[]): Promise<string[]> {
  const violations: string[] = [];
  const urnOf = (key: string) => `urn:pulumi:test::observed-app::${key}`;
  const asArgs = (r: PolicyInput) =>
    ({
      type: r.type,
      name: r.name,
      urn: urnOf(`${r.type}::${r.name}`),
      props: r.inputs,
      opts: {},
      propertyDependencies: Object.fromEntries(
        Object.entries(r.propertyDeps ?? {}).map(([prop, keys]) => [prop, keys.map((k) => ({ urn: urnOf(k) }))]),
      ),
    }) as unknown as ResourceValidationArgs & PolicyResource;
  for (const p of resourcePolicies) {
    for (const r of resources) {
      const validators = Array.isArray(p.validateResource)
        ? p.validateResource
        : p.validateResource
          ? [p.validateResource]
          : [];
      for (const validate of validators) {
        await validate(asArgs(r), (message: string) => violations.push(`${p.name} on ${r.name}: ${message}`));
      }
    }
  }
  for (const p of stackPolicies) {
    await p.validateStack?.({ resources: resources.map(asArgs) } as unknown as StackValidationArgs, (message) =>
      violations.push(`${p.name}: ${message}`),
    );
  }
  return violations;
}
