/**
 * Preload for loading the program the way Pulumi's Node runtime does (CommonJS through ts-node), with
 * mocks instead of the engine: `node -r ts-node/register -r tests/infra/mocks-preload.ts index.ts`.
 * Reads the stack from MOCK_STACK, and prints a JSON summary of the declared resources at exit.
 */
import * as pulumi from "@pulumi/pulumi";
import { SECRET_KEYS, type Environment } from "../../components/config";
import { mockCalls, mockState, stackConfig, TEST_API_TOKEN } from "../../scripts/lib/program-mocks";

process.env.OBSERVED_APP_PREFLIGHT ??= "off";
const stack = (process.env.MOCK_STACK ?? "dev") as Environment;
const config = stackConfig(stack, { apiToken: TEST_API_TOKEN });
const region = config["aws:region"];
const calls = mockCalls(region);
const types: string[] = [];
pulumi.runtime.setAllConfig(
  config,
  SECRET_KEYS.map((k) => `observed-app:${k}`),
);
void pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      types.push(args.type);
      return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs, region, types.length) };
    },
    call: (args) => calls[args.token]?.(args.inputs) ?? {},
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
