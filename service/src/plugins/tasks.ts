import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { createHash, timingSafeEqual } from "node:crypto";
import { TASK_PRIORITIES, TASK_STATUSES, type Cursor, type TaskPatch, type TaskStatus, type TaskStore } from "../db";
import type { ServiceMetrics } from "../metrics";

export interface TasksOptions {
  store: TaskStore;
  apiToken: string;
  metrics: ServiceMetrics | null;
}

const UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
const title = { type: "string", minLength: 1, maxLength: 200 } as const;
const description = { type: "string", maxLength: 2000 } as const;
const status = { type: "string", enum: TASK_STATUSES } as const;
const priority = { type: "string", enum: TASK_PRIORITIES } as const;
const taskSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    status: { type: "string" },
    priority: { type: "string" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
} as const;
const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: UUID } },
} as const;

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/**
 * The first text field holding a NUL character (U+0000), if any. PostgreSQL's text cannot store one, so the API
 * refuses it on every store alike: the same request gets the same answer whether SQLite or PostgreSQL is behind.
 */
function fieldWithNul(body: Record<string, unknown>): string | undefined {
  return ["title", "description"].find((k) => typeof body[k] === "string" && (body[k] as string).includes("\u0000"));
}
const refuseNul = (reply: FastifyReply, field: string) =>
  reply.code(400).send({ error: "Bad Request", message: `body/${field} must not contain NUL characters (U+0000)` });

/** Opaque cursor: base64url of the last item's (createdAt, id). */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString("base64url");
}

export function decodeCursor(raw: string): Cursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string") {
      if (!Number.isNaN(Date.parse(v[0])) && new RegExp(UUID).test(v[1])) return { createdAt: v[0], id: v[1] };
    }
  } catch {
    // fall through: not a cursor we issued
  }
  return null;
}

/** The task API, mounted at /tasks. Every request must carry `Authorization: Bearer <API_TOKEN>`. */
export const tasksPlugin: FastifyPluginAsync<TasksOptions> = async (app, { store, apiToken, metrics }) => {
  const expected = sha256(apiToken);

  const refuse = (req: FastifyRequest, reply: FastifyReply, reason: "missing" | "malformed" | "invalid") => {
    metrics?.authFailures.inc({ reason });
    req.log.warn({ event: "auth_failure", reason, ip: req.ip }, "authentication failed");
    return reply
      .code(401)
      .header("www-authenticate", 'Bearer realm="taskflow"')
      .send({ error: "Unauthorized", message: `bearer token ${reason}` });
  };

  app.addHook("onRequest", async (req, reply) => {
    const header = req.headers.authorization;
    if (header === undefined || header === "") return refuse(req, reply, "missing");
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(header);
    if (!match) return refuse(req, reply, "malformed");
    // Compare fixed-length digests so neither the content nor the length of the token leaks through timing.
    if (!timingSafeEqual(sha256(match[1]), expected)) return refuse(req, reply, "invalid");
  });

  app.post<{
    Body: { title: string; description?: string; status?: TaskStatus; priority?: (typeof TASK_PRIORITIES)[number] };
  }>(
    "/",
    {
      schema: {
        body: {
          type: "object",
          required: ["title"],
          additionalProperties: false,
          properties: { title, description, status, priority },
        },
        response: { 201: taskSchema },
      },
    },
    async (req, reply) => {
      const nul = fieldWithNul(req.body);
      if (nul) return refuseNul(reply, nul);
      return reply.code(201).send(await store.create(req.body));
    },
  );

  app.get<{ Querystring: { status?: TaskStatus; limit?: string; cursor?: string } }>(
    "/",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            status,
            limit: { type: "string", maxLength: 16 },
            cursor: { type: "string", minLength: 1, maxLength: 512 },
          },
        },
      },
    },
    async (req, reply) => {
      const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
      if (!/^[0-9]+$/.test(req.query.limit ?? "20") || limit < 1 || limit > 100) {
        return reply
          .code(400)
          .send({ error: "Bad Request", message: "querystring/limit must be an integer from 1 to 100" });
      }
      let after: Cursor | undefined;
      if (req.query.cursor !== undefined) {
        const decoded = decodeCursor(req.query.cursor);
        if (!decoded) {
          return reply.code(400).send({ error: "Bad Request", message: "querystring/cursor is not a valid cursor" });
        }
        after = decoded;
      }
      const page = await store.list({ status: req.query.status, limit, after });
      return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get<{ Params: { id: string } }>("/:id", { schema: { params: idParams } }, async (req, reply) => {
    const task = await store.get(req.params.id);
    return task ?? reply.code(404).send({ error: "Not Found", message: `task ${req.params.id} does not exist` });
  });

  app.patch<{ Params: { id: string }; Body: TaskPatch }>(
    "/:id",
    {
      schema: {
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: { title, description, status, priority },
        },
      },
    },
    async (req, reply) => {
      const nul = fieldWithNul(req.body);
      if (nul) return refuseNul(reply, nul);
      const task = await store.update(req.params.id, req.body);
      return task ?? reply.code(404).send({ error: "Not Found", message: `task ${req.params.id} does not exist` });
    },
  );

  app.delete<{ Params: { id: string } }>("/:id", { schema: { params: idParams } }, async (req, reply) => {
    if (!(await store.delete(req.params.id))) {
      return reply.code(404).send({ error: "Not Found", message: `task ${req.params.id} does not exist` });
    }
    return reply.code(204).send();
  });
};
