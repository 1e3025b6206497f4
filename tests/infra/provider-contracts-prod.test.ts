/** Provider contracts over prod's recorded inputs (mock-level inputs, real rules); see provider-contracts.test.ts. */
import { describe, it } from "vitest";
import { expectNoViolation } from "./provider-contracts-run";

describe("provider contracts: prod", () => {
  it("prod: no violation", () => expectNoViolation("prod"), 60_000);
});
