/**
 * Preload for loading the program the way Pulumi's Node runtime does (CommonJS through ts-node), with
 * mocks instead of the engine: `node -r ts-node/register -r tests/infra/mocks-preload.ts index.ts`.
 * Reads the stack from MOCK_STACK, and prints a JSON summary of the declared resources at exit.
 */
import * as pulumi from "@pulumi/pulumi";
import { stackConfig, TEST_API_TOKEN, ACCOUNT } from "./harness";

const stack = (process.env.MOCK_STACK ?? "dev") as "dev" | "prod";
const config = stackConfig(stack, { apiToken: TEST_API_TOKEN });
const types: string[] = [];
pulumi.runtime.setAllConfig(config, ["observed-app:apiToken"]);
void pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      types.push(args.type);
      return { id: `${args.name}-id`, state: { ...args.inputs, arn: `arn:aws:mock:::${args.name}` } };
    },
    call: (args) => {
      if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: ACCOUNT };
      if (args.token === "aws:index/getPartition:getPartition") return { partition: "aws" };
      if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") return { names: ["a", "b", "c", "d"] };
      return {};
    },
  },
  "observed-app",
  stack,
  false,
);
process.on("beforeExit", () => {
  if (process.env.MOCK_SUMMARY_PRINTED) return;
  process.env.MOCK_SUMMARY_PRINTED = "1";
  console.log(JSON.stringify({ stack, resources: types.length, types: [...new Set(types)].sort() }));
});
