import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { HEALTH_PATH } from "../contract";

/** Shared, mutable fault settings for drills: a share of public requests fail, and/or get extra latency. */
export class FaultState {
  errorRate = 0;
  latencyMs = 0;
}

/** Public-side hook (registered only with FAULT_INJECTION=on). HEALTH_PATH is exempt: it must reflect the DB. */
export const faultPlugin: FastifyPluginAsync<{ fault: FaultState }> = fp(
  async (app: FastifyInstance, { fault }: { fault: FaultState }) => {
    app.addHook("onRequest", async (req, reply) => {
      if (req.url === HEALTH_PATH) return;
      if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
      if (fault.errorRate > 0 && Math.random() < fault.errorRate) {
        return reply
          .code(500)
          .send({ error: "Internal Server Error", message: "injected fault (fault injection drill)" });
      }
    });
  },
);

/** Metrics-port routes to set, read and clear the fault. */
export const faultRoutes: FastifyPluginAsync<{ fault: FaultState }> = async (app, { fault }) => {
  const view = () => ({ errorRate: fault.errorRate, latencyMs: fault.latencyMs });
  app.get("/fault", async () => view());
  app.put<{ Body: { errorRate?: number; latencyMs?: number } }>(
    "/fault",
    {
      schema: {
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            errorRate: { type: "number", minimum: 0, maximum: 1 },
            latencyMs: { type: "integer", minimum: 0, maximum: 60_000 },
          },
        },
      },
    },
    async (req) => {
      fault.errorRate = req.body.errorRate ?? 0;
      fault.latencyMs = req.body.latencyMs ?? 0;
      req.log.warn({ event: "fault_set", ...view() }, "fault injection changed");
      return view();
    },
  );
  app.delete("/fault", async (req) => {
    fault.errorRate = 0;
    fault.latencyMs = 0;
    req.log.warn({ event: "fault_cleared" }, "fault injection cleared");
    return view();
  });
};
