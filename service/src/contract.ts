/**
 * What TaskFlow promises to the outside: the metric names the alert rules and dashboards select on, the
 * route label of unknown URLs, and the default ports. The monitoring configuration, the Pulumi program and
 * the tests import these (through monitoring-config/contract.ts); the service itself defines them here
 * because it is the one that must keep them.
 */

/** Names of every metric TaskFlow exposes on its metrics port (besides prom-client's process_/nodejs_ ones). */
export const METRIC_NAMES = {
  httpRequests: "http_requests_total",
  httpDuration: "http_request_duration_seconds",
  tasks: "taskflow_tasks",
  authFailures: "taskflow_auth_failures_total",
  rateLimited: "taskflow_rate_limited_total",
  dbQueryDuration: "taskflow_db_query_duration_seconds",
  dbSlowQueries: "taskflow_db_slow_queries_total",
  buildInfo: "taskflow_build_info",
} as const;

/** `route` label value of every request that matched no route, so unknown URLs add no series. */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Default listeners: the public API and the metrics endpoint (PORT / METRICS_PORT override them). service/Dockerfile
 * restates them in its ENV, EXPOSE and HEALTHCHECK; tests/service/dockerfile-contract.test.ts keeps them equal.
 */
export const DEFAULT_PORTS = { app: 3000, metrics: 9464 } as const;

/** Path of the liveness/readiness check on both listeners (and of the Dockerfile's HEALTHCHECK). */
export const HEALTH_PATH = "/health";

/**
 * Where the image holds the Amazon RDS CA bundle (service/certs/rds-global-bundle.pem, copied by service/Dockerfile):
 * the fleet's `DATABASE_CA_FILE`, so the service checks the database's certificate (`DATABASE_TLS=verify-full`).
 */
export const RDS_CA_BUNDLE_PATH = "/app/service/certs/rds-global-bundle.pem";
