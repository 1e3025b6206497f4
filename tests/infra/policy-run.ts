import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "../../policy/policies";
import type { Recorded } from "../../scripts/lib/program-mocks";

/** Run every policy of the pack over recorded resources (mock-level: the engine's analyzer is not involved). */
export async function runPolicies(resources: Pick<Recorded, "type" | "name" | "inputs">[]): Promise<string[]> {
  const violations: string[] = [];
  const asArgs = (r: Pick<Recorded, "type" | "name" | "inputs">) =>
    ({
      type: r.type,
      name: r.name,
      urn: `urn:pulumi:test::observed-app::${r.type}::${r.name}`,
      props: r.inputs,
      opts: {},
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
