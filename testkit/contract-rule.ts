/** The shape of a provider contract rule (testkit/provider-contracts.ts runs them). */
export interface ResourceInputs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface Violation {
  rule: string;
  resource: string;
  property: string;
  value: unknown;
  allowed: string;
}

export interface ContractRule {
  id: string;
  /** Where the rule is read from (repository or document, version, file). */
  source: string;
  /** Resource types it applies to. */
  types: string[];
  check(r: ResourceInputs, report: (property: string, value: unknown, allowed: string) => void): void;
}
