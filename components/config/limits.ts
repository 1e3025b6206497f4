/**
 * The limits of the product's own design that the config checks and the components both rely on: stated once here
 * (pure: no Pulumi), read by the schema's checks and by the components that build to them.
 */

/** At most this many zones: public subnets take the VPC's first blocks, private ones the blocks from here on. */
export const MAX_ZONES = 4;

/** At most an HA pair: Alertmanager's gossip and the workspace's deduplication both work with more, but nothing here needs it. */
export const MAX_MONITORING_REPLICAS = 2;

/** Active series the remote-write queue is sized for by default (README "Long-term storage": what one app and its two hosts measure, with room for ten times that). */
export const DEFAULT_EXPECTED_SERIES = 10_000;

/**
 * The share of the database's `max_connections` the fleet's pools may hold at full size, and above which its
 * connections alarm pages: the rest is for migrations, maintenance and RDS's own reserved connections.
 */
export const CONNECTION_CEILING_RATIO = 0.8;
