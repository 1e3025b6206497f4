/**
 * Stack configuration → typed, validated Settings: the entry point of the config package.
 * - `schema.ts`: every key declared once (CONFIG_SCHEMA): type, default, secret flag, description, validator.
 *   Pulumi.yaml's `config:` block and the README's config reference are generated from it
 *   (`npm run docs -- --write`; tests/infra/generated-docs.test.ts fails when they are stale).
 * - `environments.ts`: what each environment means: what it keeps, what it refuses, its defaults.
 * - `parse.ts`: `parseSettings` (pure) and `loadSettings` (from the Pulumi config).
 * - `settings.ts`: the Settings it returns and ConfigError; `checks.ts`: the validators.
 * - `aws-catalogue.ts`: AWS facts (instance families, log retention values, RDS connection limits,
 *   architectures); `app-tiers.ts`: how the app runs.
 */
export * from "./app-tiers";
export * from "./aws-catalogue";
export type { Check, ElementProblem } from "./checks";
export * from "./environments";
export * from "./limits";
export * from "./parse";
export * from "./schema";
export * from "./settings";
