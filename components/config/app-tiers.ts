/** How the app runs: one host (SQLite, SSH setup) or a fleet (ASG + load balancer + RDS PostgreSQL). */
export const APP_TIERS = ["host", "fleet"] as const;
export type AppTier = (typeof APP_TIERS)[number];
