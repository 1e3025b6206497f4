/**
 * Import rules for the whole repository, checked by `npm run lint:deps` (part of `npm test`):
 * no import cycles; tools (bench/, scripts/) never depend on tests/; the service stays a self-contained package
 * (its image is built from service/ alone); monitoring-config stays free of Pulumi.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make the house hard to change safely.",
      from: {},
      to: { circular: true },
    },
    {
      name: "tools-not-on-tests",
      severity: "error",
      comment: "bench/ and scripts/ use scripts/lib, never tests/.",
      from: { path: "^(bench|scripts)/" },
      to: { path: "^tests/" },
    },
    {
      name: "service-self-contained",
      severity: "error",
      comment: "service/ is built into its image alone.",
      from: { path: "^service/" },
      to: {
        path: "^(?!service/)",
        dependencyTypesNot: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "core"],
      },
    },
    {
      name: "monitoring-config-pure",
      severity: "error",
      comment: "monitoring-config is pure TypeScript: no Pulumi.",
      from: { path: "^monitoring-config/" },
      to: { path: "@pulumi/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|bin|\\.local)/|^tests/fixtures/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
  },
};
