/**
 * RDS logged slow statements with their bind parameters (issue 24, lower finding): a task's contents went to the
 * PostgreSQL log, which is exported to CloudWatch Logs. Against a real PostgreSQL server (Debian's package), with
 * the parameter group's statement logging (components/database.ts, STATEMENT_LOGGING) set on a session, a
 * parameterised INSERT of a secret value, and a failing one, leave the secret out of the server log; the same
 * statements without `log_parameter_max_length=0` (PostgreSQL's defaults) put it there.
 *
 * The one change from the parameter group: `log_min_duration_statement=0`, so every statement is logged (the
 * deployed 500 ms would need a slow statement); the parameter settings are the deployed ones.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATEMENT_LOGGING } from "../../components/database";
import { startPostgres, type PostgresServer } from "../../testkit/postgres-server";

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres();
  await server.sql("CREATE TABLE tasks (id int PRIMARY KEY, title text NOT NULL)");
}, 60_000);
afterAll(async () => {
  await server?.close();
}, 60_000);

/** Settings as startup options of one session (the role is the cluster's superuser: it may set them). */
const options = (settings: Record<string, string>) =>
  Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" ");

/**
 * On a session with `settings`, insert a task titled with a fresh secret (bind parameter $2), then insert it again
 * (a unique violation: an error with the same parameters). Returns the secret and what the server logged.
 */
async function insertSecret(id: number, settings: Record<string, string>): Promise<{ secret: string; log: string }> {
  const secret = `secret-${randomBytes(12).toString("hex")}`;
  const before = server.log().length;
  const client = new pg.Client({ connectionString: server.url, options: options(settings) });
  await client.connect();
  try {
    await client.query("INSERT INTO tasks (id, title) VALUES ($1, $2)", [id, secret]);
    await expect(client.query("INSERT INTO tasks (id, title) VALUES ($1, $2)", [id, secret])).rejects.toThrow(
      /duplicate key/,
    );
  } finally {
    await client.end();
  }
  // The server writes its log asynchronously to the file: wait for the error line of the second INSERT.
  for (let i = 0; i < 50 && !/duplicate key/.test(server.log().slice(before)); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return { secret, log: server.log().slice(before) };
}

describe("RDS statement logging against a real PostgreSQL: bind parameters never reach the log", () => {
  it("the parameter group sets both parameter lengths to 0", () => {
    expect(STATEMENT_LOGGING).toMatchObject({ log_parameter_max_length: "0", log_parameter_max_length_on_error: "0" });
  });

  it("with PostgreSQL's defaults, a logged INSERT and its failure show the secret (the finding)", async () => {
    const { secret, log } = await insertSecret(1, {
      log_min_duration_statement: "0",
      log_parameter_max_length: "-1",
      log_parameter_max_length_on_error: "-1",
    });
    expect(log).toMatch(/duration: .* execute .*INSERT INTO tasks/);
    expect(log).toMatch(/duplicate key/);
    expect(log).toContain(`parameters: $1 = '1', $2 = '${secret}'`);
    expect(log).toContain(`portal with parameters: $1 = '1', $2 = '${secret}'`);
  });

  it("with the parameter group's settings, the statements are logged without the secret", async () => {
    const { secret, log } = await insertSecret(2, { ...STATEMENT_LOGGING, log_min_duration_statement: "0" });
    expect(log).toMatch(/duration: .* execute .*INSERT INTO tasks/);
    expect(log).toMatch(/duplicate key/);
    expect(log).not.toContain(secret);
    expect(log).not.toMatch(/parameters: \$1/);
  });
});
