/**
 * Every name a deployment shares with others on one Redis derives from ONE namespace:
 * `config.redis.prefix` (STREAM_PREFIX, default 'stream'). Give each environment that shares a
 * Redis (whatever its db index: Redis pub/sub ignores it) its own namespace.
 *
 * | shared name      | form                                  | built by                      |
 * |------------------|---------------------------------------|-------------------------------|
 * | stream keys      | `<ns>:<stage>:<venue>:<market>`       | `streamKey` (types.ts)        |
 * | dead letters     | `<stream>:dead`                       | `deadLetterKey` (types.ts)    |
 * | consumer groups  | on the stream keys above              | (Redis scopes a group to its key) |
 * | checkpoints      | hash `<ns>:checkpoints`               | `checkpointKey`               |
 * | live pub/sub     | channels `<ns>:live:<topic>`          | `liveChannelPrefix`           |
 *
 * Consumer group names ('persister') are not prefixed: a group exists only on its stream key, so
 * two namespaces never share one, and renaming them would make every deployment re-read its
 * streams from the start. There are no Redis locks; the one lock (risk limits) is a PostgreSQL
 * advisory lock, which is per database.
 */

const NS = /^[a-z0-9:_-]+$/;

function check(ns: string): string {
  if (!NS.test(ns)) throw new Error(`namespace must match ${NS} (lower-case letters, digits, ':', '_', '-'), got "${ns}"`);
  return ns;
}

/** Prefix of the live-event pub/sub channels: `<ns>:live:` (channel `<ns>:live:edge`, `<ns>:live:book:<pairId>`, ...). */
export const liveChannelPrefix = (ns: string): string => `${check(ns)}:live:`;

/** Hash holding the consumer groups' checkpoints. */
export const checkpointKey = (ns: string): string => `${check(ns)}:checkpoints`;
