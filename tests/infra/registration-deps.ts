/**
 * Mock-level: the dependency list each registration sends the engine (`RegisterResourceRequest.dependencies`),
 * which is what orders creates. The Node SDK fills it with every explicit `dependsOn` (a component expanded to
 * each of its custom descendants: @pulumi/pulumi runtime/dependsOn.js, getAllTransitivelyReferencedResourceURNs)
 * and every resource an input came from (runtime/resource.js, prepareResource: allDirectDependencyURNs).
 * program-mocks records the per-property part and the `dependsOn` as written; this adds the whole list.
 *
 *   const deps = captureDependencies();   // before runStack, in the same test file
 *   await runStack("prod"); deps.closure("aws:autoscaling/group:Group::observed-app-prod-app-fleet-group");
 */
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { keyOfUrn } from "../../scripts/lib/plan/urn";

export interface DependencyLists {
  /** `type::name` → the `type::name` keys of its direct dependencies, as sent to the engine. */
  direct: Map<string, string[]>;
  /** Everything a resource waits for, directly or through its dependencies. */
  closure(key: string): Set<string>;
}

type Req = { getType(): string; getName(): string; getDependenciesList(): string[] };

/** Wrap the mock monitor's registerResource (every MockMonitor of this process) to record the lists. */
export function captureDependencies(): DependencyLists {
  const direct = new Map<string, string[]>();
  const proto = MockMonitor.prototype as unknown as { registerResource(req: Req, cb: unknown): unknown };
  const original = proto.registerResource;
  proto.registerResource = function (this: unknown, req: Req, cb: unknown) {
    direct.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList().map(keyOfUrn));
    return original.call(this, req, cb);
  };
  return {
    direct,
    closure(key) {
      const seen = new Set<string>();
      const stack = [...(direct.get(key) ?? [])];
      while (stack.length) {
        const k = stack.pop()!;
        if (seen.has(k)) continue;
        seen.add(k);
        stack.push(...(direct.get(k) ?? []));
      }
      return seen;
    },
  };
}
