/** What a mock-level run ships to a monitoring host. */
import { bundleFromTarBase64 } from "../../components/bundle-archive";
import type { Bundle } from "../../monitoring-config";
import type { StackRun } from "../../scripts/lib/program-mocks";

export const SG_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/** The configuration a monitoring host receives (its bundle step's stdin), decoded. */
export function shippedConfig(run: StackRun, host: string): Promise<Bundle> {
  return bundleFromTarBase64(String(run.one("command:remote:Command", `-${host}-bundle`).inputs.stdin));
}
