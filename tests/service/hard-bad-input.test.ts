import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "../../bench/lib/raw-http";
import { startService, type ServiceProcess } from "../../testkit/service-process";
import { STORES, postgres, storeEnv } from "../helpers/stores";

let svc: ServiceProcess;

const MISSING_ID = "0b6e4a52-6a2b-4c7e-9d63-1f0e8d5c2a11";

interface Case {
  name: string;
  method?: string;
  path?: string;
  /** Request body as sent (string or bytes); JSON content type unless `type` says otherwise. */
  body?: string;
  type?: string | null;
  /** Extra raw header lines, sent verbatim. */
  headers?: string[];
  /** Authorization header line; null sends none. */
  auth?: string | null;
  /** Send these bytes instead of building a request. */
  raw?: string;
  status: number;
  /** A fragment the response's reason must contain (checked against `message`, case-insensitive). */
  reason?: RegExp;
}

const post = (name: string, body: string, status: number, reason?: RegExp, type?: string | null): Case => ({
  name,
  method: "POST",
  path: "/tasks",
  body,
  status,
  reason,
  type,
});
const task = (extra: Record<string, unknown>) => JSON.stringify({ title: "t", ...extra });
const nested = (depth: number) => `{"title":"deep","x":${"[".repeat(depth)}${"]".repeat(depth)}}`;

// Every case is a request a careless or hostile client could send; each must get a 4xx that says why.
const CASES: Case[] = [
  // malformed and truncated JSON
  post("truncated object", '{"title":', 400, /json|unexpected|end/i),
  post("unterminated string", '{"title":"abc', 400, /json|unterminated|unexpected/i),
  post("missing closing brace", '{"title":"abc"', 400, /json|expected|unexpected|end/i),
  post("trailing comma", '{"title":"abc",}', 400, /json|unexpected|expected/i),
  post("single quotes", "{'title':'abc'}", 400, /json|unexpected|expected/i),
  post("two documents", '{"title":"a"}{"title":"b"}', 400, /json|unexpected|non-whitespace/i),
  post("bare word", "nul", 400, /json|unexpected|not valid/i),
  post("lone bracket", "[", 400, /json|unexpected|end/i),
  post("NUL byte outside a string", '{"title":"a"\u0000}', 400, /json|unexpected|expected/i),
  // PostgreSQL's text cannot hold U+0000: refused on both stores alike, with the field named.
  post("NUL character in the title", '{"title":"a\\u0000b"}', 400, /body\/title must not contain NUL/),
  post(
    "NUL character in the description",
    '{"title":"a","description":"\\u0000"}',
    400,
    /body\/description must not contain NUL/,
  ),
  post("empty body with JSON content type", "", 400, /empty/i),
  post("invalid UTF-8 escape", '{"title":"\\x41"}', 400, /json|bad escaped|unexpected/i),
  // wrong types and values
  post("title is a number", task({ title: 42 }), 400, /title.*string/i),
  post("title is null", task({ title: null }), 400, /title.*string/i),
  post("title is an array", task({ title: ["a"] }), 400, /title.*string/i),
  post("title is an object", task({ title: { a: 1 } }), 400, /title.*string/i),
  post("title is a boolean", task({ title: true }), 400, /title.*string/i),
  post("title is empty", task({ title: "" }), 400, /title.*fewer than 1/i),
  post("title has 201 characters", task({ title: "x".repeat(201) }), 400, /title.*more than 200/i),
  post("title has 201 emoji", task({ title: "😀".repeat(201) }), 400, /title.*more than 200/i),
  post("title missing", JSON.stringify({ description: "d" }), 400, /required.*title/i),
  post("description is a number", task({ description: 5 }), 400, /description.*string/i),
  post("description has 2001 characters", task({ description: "d".repeat(2001) }), 400, /description.*2000/i),
  post("unknown status", task({ status: "archived" }), 400, /status.*allowed values/i),
  post("status in upper case", task({ status: "DONE" }), 400, /status.*allowed values/i),
  post("unknown priority", task({ priority: "urgent" }), 400, /priority.*allowed values/i),
  post("priority is a number", task({ priority: 1 }), 400, /priority/i),
  post("extra property", task({ owner: "root" }), 400, /additional properties/i),
  post("prototype pollution key", '{"title":"t","__proto__":{"admin":true}}', 400, /not valid JSON/i),
  post("body is an array", "[]", 400, /object/i),
  post("body is a string", '"title"', 400, /object/i),
  post("body is a number", "1", 400, /object/i),
  post("body is null", "null", 400, /object/i),
  // size and depth
  post("1 MiB body", JSON.stringify({ title: "x".repeat(1024 * 1024) }), 413, /too large/i),
  post("17 KiB body", task({ description: "x".repeat(17 * 1024) }), 413, /too large/i),
  post("deep nesting inside the limit", nested(5000), 400, /additional|object|properties/i),
  post("deep nesting over 1 MiB", nested(600_000), 413, /too large/i),
  // content types
  post("text/plain", task({}), 415, /unsupported media type|content-type/i, "text/plain"),
  post("form encoded", "title=t", 415, /unsupported media type|content-type/i, "application/x-www-form-urlencoded"),
  post("multipart", "--b\r\n\r\n--b--", 415, /unsupported media type|content-type/i, "multipart/form-data; boundary=b"),
  post("xml", "<task><title>t</title></task>", 415, /unsupported media type|content-type/i, "application/xml"),
  post("no content type with a body", task({}), 415, /unsupported media type|content-type/i, null),
  // PATCH
  {
    name: "patch with no fields",
    method: "PATCH",
    path: `/tasks/${MISSING_ID}`,
    body: "{}",
    status: 400,
    reason: /fewer than 1|properties/i,
  },
  {
    name: "patch with an unknown field",
    method: "PATCH",
    path: `/tasks/${MISSING_ID}`,
    body: '{"id":"x"}',
    status: 400,
    reason: /additional/i,
  },
  {
    name: "patch with a bad status",
    method: "PATCH",
    path: `/tasks/${MISSING_ID}`,
    body: '{"status":"gone"}',
    status: 400,
    reason: /status/i,
  },
  {
    name: "patch of a missing task",
    method: "PATCH",
    path: `/tasks/${MISSING_ID}`,
    body: '{"status":"done"}',
    status: 404,
    reason: /does not exist/i,
  },
  // ids, path traversal, SQL injection in the URL
  { name: "id not a UUID", path: "/tasks/not-a-uuid", status: 400, reason: /id.*pattern/i },
  { name: "id in upper case", path: `/tasks/${MISSING_ID.toUpperCase()}`, status: 400, reason: /id.*pattern/i },
  { name: "id with SQL injection", path: "/tasks/1'%20OR%20'1'='1", status: 400, reason: /id.*pattern/i },
  { name: "id with NUL byte", path: "/tasks/%00", status: 400, reason: /id.*pattern/i },
  { name: "id with unicode", path: "/tasks/%E2%98%83", status: 400, reason: /id.*pattern/i },
  { name: "encoded path traversal as id", path: "/tasks/..%2F..%2Fetc%2Fpasswd", status: 400, reason: /id.*pattern/i },
  { name: "dot-dot path traversal", path: "/tasks/../../etc/passwd", status: 404, reason: /no route/i },
  { name: "encoded traversal at the root", path: "/..%2F..%2Fetc%2Fpasswd", status: 404, reason: /no route/i },
  { name: "missing task", path: `/tasks/${MISSING_ID}`, status: 404, reason: /does not exist/i },
  {
    name: "delete a missing task",
    method: "DELETE",
    path: `/tasks/${MISSING_ID}`,
    status: 404,
    reason: /does not exist/i,
  },
  // query strings
  { name: "limit 0", path: "/tasks?limit=0", status: 400, reason: /limit.*1 to 100/i },
  { name: "limit 101", path: "/tasks?limit=101", status: 400, reason: /limit.*1 to 100/i },
  { name: "limit negative", path: "/tasks?limit=-1", status: 400, reason: /limit/i },
  { name: "limit not a number", path: "/tasks?limit=abc", status: 400, reason: /limit/i },
  { name: "limit in exponent form", path: "/tasks?limit=1e2", status: 400, reason: /limit/i },
  {
    name: "status with SQL injection",
    path: "/tasks?status=todo'%20OR%201=1--",
    status: 400,
    reason: /status.*allowed values/i,
  },
  { name: "garbage cursor", path: "/tasks?cursor=AAAA", status: 400, reason: /cursor/i },
  { name: "cursor too long", path: `/tasks?cursor=${"a".repeat(600)}`, status: 400, reason: /cursor/i },
  { name: "unknown query parameter", path: "/tasks?admin=1", status: 400, reason: /additional/i },
  // authentication headers
  { name: "no Authorization", path: "/tasks", auth: null, status: 401, reason: /missing/i },
  {
    name: "Basic scheme",
    path: "/tasks",
    auth: "Authorization: Basic dXNlcjpwYXNz",
    status: 401,
    reason: /malformed/i,
  },
  {
    name: "Bearer without token",
    path: "/tasks",
    auth: "Authorization: Bearer ",
    status: 401,
    reason: /malformed|missing/i,
  },
  {
    name: "wrong token",
    path: "/tasks",
    auth: "Authorization: Bearer wrong-token-wrong-token",
    status: 401,
    reason: /invalid/i,
  },
  { name: "token with a space", path: "/tasks", auth: "Authorization: Bearer a b", status: 401, reason: /malformed/i },
  { name: "lower-case scheme", path: "/tasks", auth: "Authorization: bearer x", status: 401, reason: /malformed/i },
  {
    name: "non-ASCII token",
    path: "/tasks",
    auth: "Authorization: Bearer t\u00e9st",
    status: 401,
    reason: /malformed/i,
  },
  {
    name: "SQL injection as token",
    path: "/tasks",
    auth: "Authorization: Bearer '%20OR%201=1--",
    status: 401,
    reason: /invalid/i,
  },
  // wrong methods
  { name: "PUT /tasks", method: "PUT", path: "/tasks", body: task({}), status: 404, reason: /no route/i },
  {
    name: "PUT /tasks/:id",
    method: "PUT",
    path: `/tasks/${MISSING_ID}`,
    body: task({}),
    status: 404,
    reason: /no route/i,
  },
  { name: "DELETE /tasks", method: "DELETE", path: "/tasks", status: 404, reason: /no route/i },
  { name: "POST /", method: "POST", path: "/", body: task({}), status: 404, reason: /no route/i },
  { name: "PATCH /health", method: "PATCH", path: "/health", body: "{}", status: 404, reason: /no route/i },
  { name: "GET /metrics on the public port", path: "/metrics", status: 404, reason: /no route/i },
  // broken HTTP (Node's parser answers before the app; the status line is the reason)
  { name: "unknown method", raw: "BREW /tasks HTTP/1.1\r\nHost: x\r\n\r\n", status: 400 },
  { name: "NUL byte in a header", raw: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n", status: 400 },
  {
    name: "invalid Content-Length",
    raw: "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    status: 400,
  },
  {
    name: "Content-Length and chunked together",
    raw: "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    status: 400,
  },
  { name: "header without a colon", raw: "GET / HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n", status: 400 },
  { name: "64 KiB header", path: "/", headers: [`X-Big: ${"a".repeat(64 * 1024)}`], status: 431 },
  { name: "100 KiB URL", path: `/tasks/${"a".repeat(100 * 1024)}`, status: 431 },
];

const STATUSES = ["todo", "in_progress", "done"] as const;
const text = (min: number, max: number) => fc.string({ unit: "grapheme", minLength: min, maxLength: max });
const fields = {
  title: text(1, 200).filter((t) => [...t].length <= 200),
  description: text(0, 300),
  status: fc.constantFrom(...STATUSES),
  priority: fc.constantFrom("low", "medium", "high"),
};
const newTask = fc.record(fields, { requiredKeys: ["title"] });
const patch = fc.record(fields, { requiredKeys: [] }).filter((p) => Object.keys(p).length > 0);

/** Every task matching `filter`, following nextCursor with the given page size. */
async function pageAll(filter: string, limit = 100): Promise<{ id: string; status: string }[]> {
  const out: { id: string; status: string }[] = [];
  let cursor: string | null = null;
  do {
    const c: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = (await api("GET", `/tasks?limit=${limit}${filter}${c}`)).json as {
      items: { id: string; status: string }[];
      nextCursor: string | null;
    };
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

function build(c: Case, token: string): Buffer {
  if (c.raw !== undefined) return Buffer.from(c.raw, "latin1");
  const body = c.body === undefined ? Buffer.alloc(0) : Buffer.from(c.body);
  const lines = [`${c.method ?? "GET"} ${c.path ?? "/"} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  const auth = c.auth === undefined ? `Authorization: Bearer ${token}` : c.auth;
  if (auth !== null) lines.push(auth);
  if (c.body !== undefined) {
    if (c.type !== null) lines.push(`Content-Type: ${c.type ?? "application/json"}`);
    lines.push(`Content-Length: ${body.length}`);
  }
  lines.push(...(c.headers ?? []));
  return Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n", "utf8"), body]);
}

async function api(method: string, path: string, body?: unknown) {
  const r = await fetch(`${svc.publicUrl}${path}`, {
    method,
    headers: { ...svc.authHeaders, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

describe.each(STORES)(
  "hostile input over real HTTP, %s store: every case a clear 4xx, no 5xx, process and DB intact",
  (kind) => {
    let env: Record<string, string>;
    beforeAll(async () => {
      env = await storeEnv(kind);
      svc = await startService({ env: { RATE_LIMIT_PER_MINUTE: "10000000", LOG_LEVEL: "warn", ...env } });
    }, 60_000);
    afterAll(async () => {
      await svc?.kill();
    });

    it("has at least 50 distinct cases", () => {
      expect(CASES.length).toBeGreaterThanOrEqual(50);
      expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    });

    it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
      const res = await rawRequest(svc.port, build(c, svc.token));
      expect(res.status, res.body).toBe(c.status);
      if (c.raw === undefined && c.status !== 431) {
        const body = JSON.parse(res.body) as { message?: unknown };
        expect(typeof body.message).toBe("string");
        if (c.reason) expect(body.message).toMatch(c.reason);
      }
    });

    it("stores unicode, control characters and SQL-looking text verbatim (valid input is data, not code)", async () => {
      for (const title of [
        "'); DROP TABLE tasks;--",
        "a\u0001b\u007f",
        "日本語 ✓ 😀 \u202e",
        "../../etc/passwd",
        "%00%27",
      ]) {
        const created = await api("POST", "/tasks", { title, description: `desc ${title}` });
        expect(created.status).toBe(201);
        const got = await api("GET", `/tasks/${String(created.json?.id)}`);
        expect(got.json).toMatchObject({ title, description: `desc ${title}` });
      }
    });

    it("property: create then get returns exactly the fields sent, with defaults filled in", async () => {
      await fc.assert(
        fc.asyncProperty(newTask, async (input) => {
          const created = await api("POST", "/tasks", input);
          expect(created.status).toBe(201);
          const got = await api("GET", `/tasks/${String(created.json?.id)}`);
          expect(got.status).toBe(200);
          expect(got.json).toEqual(created.json);
          expect(got.json).toMatchObject({ description: "", status: "todo", priority: "medium", ...input });
          expect(got.json?.createdAt).toBe(got.json?.updatedAt);
        }),
        { numRuns: 60 },
      );
    });

    it("property: any valid patch changes exactly the patched fields and keeps id and createdAt", async () => {
      await fc.assert(
        fc.asyncProperty(newTask, patch, async (input, change) => {
          const before = (await api("POST", "/tasks", input)).json as Record<string, string>;
          const after = await api("PATCH", `/tasks/${before.id}`, change);
          expect(after.status).toBe(200);
          expect(after.json).toEqual({ ...before, ...change, updatedAt: after.json?.updatedAt });
          expect(Date.parse(String(after.json?.updatedAt))).toBeGreaterThanOrEqual(Date.parse(before.createdAt));
          expect((await api("GET", `/tasks/${before.id}`)).json).toEqual(after.json);
        }),
        { numRuns: 60 },
      );
    });

    it("property: paging with any limit and status filter returns every matching task exactly once", async () => {
      const everything = await pageAll("");
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 100 }),
          fc.option(fc.constantFrom(...STATUSES)),
          async (limit, st) => {
            const filter = st ? `&status=${st}` : "";
            const seen = await pageAll(filter, limit);
            const expected = everything.filter((t) => !st || t.status === st).map((t) => t.id);
            expect(seen.map((t) => t.id)).toEqual(expected);
            expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);
          },
        ),
        { numRuns: 25 },
      );
      expect(everything.length).toBeGreaterThan(100);
    });

    it("afterwards: alive, healthy, no 5xx counted, database integrity ok and every row valid", async () => {
      expect(svc.proc.exitCode).toBeNull();
      expect((await fetch(`${svc.publicUrl}/health`)).status).toBe(200);
      const metrics = await (await fetch(`${svc.metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(/http_requests_total\{[^}]*status_code="4\d\d"/);
      expect(metrics).not.toMatch(/http_requests_total\{[^}]*status_code="5\d\d"/);
      if (kind === "postgres") {
        // The same checks through the server: the row count, every row within the table's CHECK constraints
        // (re-validated by PostgreSQL itself), and the table still there.
        const database = new URL(env.DATABASE_URL).pathname.slice(1);
        const pg = await postgres();
        const count = Number(await pg.sql("SELECT count(*) FROM tasks", database));
        expect(count).toBe((await pageAll("")).length);
        expect(count).toBeGreaterThan(100);
        await pg.sql("ALTER TABLE tasks VALIDATE CONSTRAINT tasks_title_check", database);
        const invalid = await pg.sql(
          "SELECT count(*) FROM tasks WHERE length(title) NOT BETWEEN 1 AND 200 OR length(description) > 2000 OR status NOT IN ('todo','in_progress','done') OR priority NOT IN ('low','medium','high')",
          database,
        );
        expect(invalid).toBe("0");
        return;
      }
      const db = new Database(svc.dbPath, { readonly: true });
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
        const count = (db.prepare("SELECT count(*) AS n FROM tasks").get() as { n: number }).n;
        expect(count).toBe((await pageAll("")).length);
        expect(count).toBeGreaterThan(100);
        expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'tasks'").get()).toBeTruthy();
      } finally {
        db.close();
      }
    });
  },
);
