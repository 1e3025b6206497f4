/**
 * The peer for `npm run bench:peer`: TaskFlow's public API written the way a typical Express 5 service is —
 * express.json(), express-prom-bundle, better-sqlite3 with prepared statements — with the same routes, the same
 * schema and SQL, the same constant-time bearer auth and the same validation limits as service/. Nothing in
 * it is slowed down on purpose; it also skips what TaskFlow pays for (helmet headers, rate limiting,
 * event-loop protection, request ids), so the comparison is, if anything, tilted towards the peer.
 *
 * Env: PORT, METRICS_PORT, API_TOKEN, DB_PATH (the metrics are served on METRICS_PORT, like TaskFlow).
 */
import Database from "better-sqlite3";
import express, { type NextFunction, type Request, type Response } from "express";
import promBundle from "express-prom-bundle";
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { register } from "prom-client";
import { applyMigrations, toTask, type TaskRow } from "../../service/src/db";

const STATUSES = ["todo", "in_progress", "done"];
const PRIORITIES = ["low", "medium", "high"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Row = TaskRow;

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === "") throw new Error(`${name} is required`);
  return v;
};

const db = new Database(env("DB_PATH"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("busy_timeout = 5000");
// The same schema as TaskFlow: the service's own migrations.
applyMigrations(db);

const sql = {
  insert: db.prepare(`INSERT INTO tasks (id, title, description, status, priority, created_at, updated_at)
     VALUES (@id, @title, @description, @status, @priority, @created_at, @updated_at)`),
  get: db.prepare(`SELECT * FROM tasks WHERE id = ?`),
  listAll: db.prepare(
    `SELECT * FROM tasks WHERE (created_at, id) > (@createdAt, @id) ORDER BY created_at, id LIMIT @limit`,
  ),
  listByStatus: db.prepare(`SELECT * FROM tasks WHERE status = @status AND (created_at, id) > (@createdAt, @id)
     ORDER BY created_at, id LIMIT @limit`),
  update: db.prepare(`UPDATE tasks SET title = @title, description = @description, status = @status,
     priority = @priority, updated_at = @updated_at WHERE id = @id`),
  delete: db.prepare(`DELETE FROM tasks WHERE id = ?`),
  ping: db.prepare(`SELECT 1`),
};

/** Field validation with TaskFlow's limits; returns the first problem as a message naming the field. */
function validate(body: unknown, partial: boolean): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "body must be an object";
  const b = body as Record<string, unknown>;
  const allowed = ["title", "description", "status", "priority"];
  const extra = Object.keys(b).find((k) => !allowed.includes(k));
  if (extra) return `body must NOT have additional properties (${extra})`;
  if (partial && Object.keys(b).length === 0) return "body must NOT have fewer than 1 properties";
  if (!partial && b.title === undefined) return "body must have required property 'title'";
  const len = (s: string) => [...s].length;
  if (b.title !== undefined && (typeof b.title !== "string" || len(b.title) < 1 || len(b.title) > 200)) {
    return "body/title must be a string of 1 to 200 characters";
  }
  if (b.description !== undefined && (typeof b.description !== "string" || len(b.description) > 2000)) {
    return "body/description must be a string of at most 2000 characters";
  }
  if (b.status !== undefined && !STATUSES.includes(b.status as string)) {
    return `body/status must be one of ${STATUSES.join(", ")}`;
  }
  if (b.priority !== undefined && !PRIORITIES.includes(b.priority as string)) {
    return `body/priority must be one of ${PRIORITIES.join(", ")}`;
  }
  return null;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();
const expected = sha256(env("API_TOKEN"));
function requireToken(req: Request, res: Response, next: NextFunction) {
  const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? "");
  if (!m || !timingSafeEqual(sha256(m[1]), expected)) {
    res.status(401).set("www-authenticate", 'Bearer realm="taskflow"').json({ error: "Unauthorized" });
    return;
  }
  next();
}
function requireUuid(req: Request<{ id: string }>, res: Response, next: NextFunction) {
  if (!UUID.test(req.params.id)) {
    res.status(400).json({ error: "Bad Request", message: "params/id must be a UUID" });
    return;
  }
  next();
}

const metrics = promBundle({
  includeMethod: true,
  includePath: true,
  includeStatusCode: true,
  autoregister: false,
  promClient: { collectDefaultMetrics: {} },
});

const app = express();
app.disable("x-powered-by");
app.use(metrics);
app.use(express.json({ limit: "16kb" }));

app.get("/", (_req, res) => {
  res.json({ name: "taskflow", version: "peer" });
});
app.get("/health", (_req, res) => {
  sql.ping.get();
  res.json({ status: "ok" });
});

const tasks = express.Router();
tasks.use(requireToken);
tasks.use((req, res, next) => {
  if (req.method !== "GET" && req.method !== "DELETE" && req.body !== undefined && !req.is("application/json")) {
    res.status(415).json({ error: "Unsupported Media Type" });
    return;
  }
  next();
});

tasks.post("/", (req, res) => {
  const problem = validate(req.body, false);
  if (problem) return void res.status(400).json({ error: "Bad Request", message: problem });
  const b = req.body as Record<string, string | undefined>;
  const ts = new Date().toISOString();
  const row: Row = {
    id: randomUUID(),
    title: b.title as string,
    description: b.description ?? "",
    // validate() has checked both against TaskFlow's enums.
    status: (b.status ?? "todo") as Row["status"],
    priority: (b.priority ?? "medium") as Row["priority"],
    created_at: ts,
    updated_at: ts,
  };
  sql.insert.run(row);
  res.status(201).json(toTask(row));
});

tasks.get("/", (req, res) => {
  const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return void res.status(400).json({ error: "Bad Request", message: "limit must be an integer from 1 to 100" });
  }
  const status = req.query.status as string | undefined;
  if (status !== undefined && !STATUSES.includes(status)) {
    return void res.status(400).json({ error: "Bad Request", message: `status must be one of ${STATUSES.join(", ")}` });
  }
  let after = { createdAt: "", id: "" };
  if (typeof req.query.cursor === "string") {
    try {
      const [createdAt, id] = JSON.parse(Buffer.from(req.query.cursor, "base64url").toString()) as string[];
      after = { createdAt, id };
    } catch {
      return void res.status(400).json({ error: "Bad Request", message: "cursor is not a valid cursor" });
    }
  }
  const params = { ...after, limit: limit + 1 };
  const rows = (status ? sql.listByStatus.all({ ...params, status }) : sql.listAll.all(params)) as Row[];
  const items = rows.slice(0, limit).map(toTask);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > limit && last ? Buffer.from(JSON.stringify([last.createdAt, last.id])).toString("base64url") : null;
  res.json({ items, nextCursor });
});

tasks.get("/:id", requireUuid, (req, res) => {
  const row = sql.get.get(req.params.id) as Row | undefined;
  if (!row) return void res.status(404).json({ error: "Not Found", message: `task ${req.params.id} does not exist` });
  res.json(toTask(row));
});

tasks.patch("/:id", requireUuid, (req, res) => {
  const problem = validate(req.body, true);
  if (problem) return void res.status(400).json({ error: "Bad Request", message: problem });
  const updated = db.transaction(() => {
    const current = sql.get.get(req.params.id) as Row | undefined;
    if (!current) return undefined;
    const next: Row = { ...current, ...(req.body as Partial<Row>), updated_at: new Date().toISOString() };
    sql.update.run(next);
    return next;
  })();
  if (!updated)
    return void res.status(404).json({ error: "Not Found", message: `task ${req.params.id} does not exist` });
  res.json(toTask(updated));
});

tasks.delete("/:id", requireUuid, (req, res) => {
  if (sql.delete.run(req.params.id).changes === 0) {
    return void res.status(404).json({ error: "Not Found", message: `task ${req.params.id} does not exist` });
  }
  res.status(204).end();
});

app.use("/tasks", tasks);
app.use((req, res) => {
  res.status(404).json({ error: "Not Found", message: `no route for ${req.method} ${req.path}` });
});
app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
  const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
  res.status(status).json({ error: status === 500 ? "Internal Server Error" : "Bad Request", message: err.message });
});

const metricsApp = express();
metricsApp.get("/metrics", async (_req, res) => {
  res.set("content-type", register.contentType);
  res.end(await register.metrics());
});

const server = app.listen(Number(env("PORT", "3000")), "127.0.0.1");
const metricsServer = metricsApp.listen(Number(env("METRICS_PORT", "9464")), "127.0.0.1");
const shutdown = () => {
  server.close();
  metricsServer.close();
  db.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
