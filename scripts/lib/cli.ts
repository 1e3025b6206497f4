/** What the repository's CLIs share: parse flags strictly, print usage, exit 2 on bad arguments. */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parse `argv` (default: the process's) against `options` plus `--help`. Returns the values, or the exit code
 * when the command is done: 0 after printing usage for --help, 2 after printing the problem and the usage.
 */
export function parseFlags<O extends Options>(options: O, usage: string, argv = process.argv.slice(2)) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if ((values as { help?: boolean }).help) {
      console.log(usage);
      return 0;
    }
    return values as ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"];
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
}
