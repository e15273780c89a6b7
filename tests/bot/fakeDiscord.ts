/**
 * A local stand-in for Discord (gateway v10 over a websocket, JSON encoding, no compression, and
 * the REST routes the bot uses), on 127.0.0.1 and a free port. A real discord.js Client reaches it
 * through its own settings only:
 *
 *   new Client({ intents, rest: { api: fake.apiUrl } })   // REST base; GET /gateway/bot → ws://127.0.0.1:port
 *
 * Gateway: HELLO (op 10) → IDENTIFY (op 2, token checked) → READY (op 0, t READY: user, guilds,
 * session_id, resume_gateway_url, application) → GUILD_CREATE (roles and channels); heartbeats
 * (op 1) get HEARTBEAT_ACK (op 11). `interaction()` dispatches INTERACTION_CREATE (type 2
 * APPLICATION_COMMAND, chat input) with the member's roles and channel.
 *
 * REST (under /api/v10): GET /gateway/bot, GET /users/@me, POST /channels/:id/messages,
 * POST /interactions/:id/:token/callback, PATCH|POST /webhooks/:app/:token(/messages/@original),
 * PUT /applications/:app/commands and /applications/:app/guilds/:guild/commands. Every request is
 * recorded (`requests`), with its parsed body, so tests can assert on everything the bot sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
  readonly raw: string;
}

export interface InteractionSpec {
  readonly command: string;
  readonly options?: Record<string, string>;
  readonly channelId: string;
  readonly roleIds?: readonly string[];
  readonly userId?: string;
  readonly username?: string;
}

export interface FakeDiscordOptions {
  token: string;
  applicationId?: string;
  guildId?: string;
  /** Channels created in the guild (text channels). */
  channelIds: readonly string[];
  /** Roles created in the guild. */
  roleIds: readonly string[];
}

let snowflakeSeq = 0n;
/** A valid snowflake (timestamp part = now), unique within the process. */
export function snowflake(): string {
  const discordEpoch = 1420070400000n;
  snowflakeSeq = (snowflakeSeq + 1n) % 4096n;
  return (((BigInt(Date.now()) - discordEpoch) << 22n) | snowflakeSeq).toString();
}

export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  /** Gateway payloads received from the client (IDENTIFY, heartbeats, ...). */
  readonly gatewayReceived: { op: number; d: unknown }[] = [];
  readonly botUser = { id: snowflake(), username: 'arbstream-bot', discriminator: '0', global_name: null, avatar: null, bot: true, flags: 0 };
  readonly applicationId: string;
  readonly guildId: string;
  private http!: Server;
  private wss!: WebSocketServer;
  private sockets = new Set<WebSocket>();
  private seq = 0;
  private port = 0;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly opts: FakeDiscordOptions) {
    this.applicationId = opts.applicationId ?? snowflake();
    this.guildId = opts.guildId ?? snowflake();
  }

  static async start(opts: FakeDiscordOptions): Promise<FakeDiscord> {
    const f = new FakeDiscord(opts);
    await f.listen();
    return f;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Requests whose method and path match (path as a RegExp or exact string, without /api/v10). */
  find(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  /** Messages posted to a channel (bodies). */
  channelMessages(channelId: string): { content?: string; allowed_mentions?: unknown }[] {
    return this.find('POST', `/channels/${channelId}/messages`).map((r) => r.body as { content?: string });
  }

  /**
   * Everything the bot sent that a Discord user could see: message contents, embeds, interaction
   * replies and edits, as one JSON string per request.
   */
  outgoingTexts(): string[] {
    return this.requests.filter((r) => r.method !== 'GET').map((r) => r.raw);
  }

  /** The reply to an interaction: the callback body's data merged with a later edit of @original. */
  replyTo(interactionId: string, token: string): { content?: string; flags?: number; deferred: boolean } | undefined {
    const cb = this.find('POST', `/interactions/${interactionId}/${token}/callback`)[0];
    if (!cb) return undefined;
    const body = cb.body as { type: number; data?: { content?: string; flags?: number } };
    const edit = this.find('PATCH', `/webhooks/${this.applicationId}/${token}/messages/@original`).at(-1);
    const editBody = edit?.body as { content?: string } | undefined;
    return { content: editBody?.content ?? body.data?.content, flags: body.data?.flags, deferred: body.type === 5 };
  }

  /** Resolves when `pred` holds (checked on every recorded request and gateway payload). */
  waitFor(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`fake discord: timed out waiting for ${what}`));
      }, timeoutMs);
      const waiter = { pred, resolve: () => (clearTimeout(timer), resolve()) };
      this.waiters.push(waiter);
    });
  }

  /** Dispatches a slash command; returns the interaction id and token. */
  interaction(spec: InteractionSpec): { id: string; token: string } {
    const id = snowflake();
    const token = `itoken-${id}`;
    const userId = spec.userId ?? snowflake();
    const user = { id: userId, username: spec.username ?? `user${userId.slice(-4)}`, discriminator: '0', global_name: null, avatar: null };
    const options = Object.entries(spec.options ?? {}).map(([name, value]) => ({ name, type: 3, value }));
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.applicationId,
      type: 2,
      token,
      version: 1,
      guild_id: this.guildId,
      channel_id: spec.channelId,
      channel: { id: spec.channelId, type: 0, guild_id: this.guildId, name: `c${spec.channelId.slice(-4)}`, permissions: '0' },
      member: {
        user,
        roles: [...(spec.roleIds ?? [])],
        joined_at: new Date().toISOString(),
        permissions: '0',
        deaf: false,
        mute: false,
        flags: 0,
        nick: null,
        avatar: null,
        pending: false,
      },
      data: { id: snowflake(), name: spec.command, type: 1, guild_id: this.guildId, options },
      locale: 'en-US',
      guild_locale: 'en-US',
      app_permissions: '0',
      entitlements: [],
      authorizing_integration_owners: { '0': this.guildId },
      context: 0,
    });
    return { id, token };
  }

  /** Closes every client socket and the server. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.http.close(() => r()));
    this.http.closeAllConnections();
  }

  private notify(): void {
    const ready = this.waiters.filter((w) => w.pred());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  private dispatch(t: string, d: unknown): void {
    const payload = JSON.stringify({ op: 0, t, s: ++this.seq, d });
    for (const s of this.sockets) if (s.readyState === WebSocket.OPEN) s.send(payload);
  }

  private listen(): Promise<void> {
    this.http = createServer((req, res) => void this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on('connection', (ws, req) => this.onSocket(ws, req));
    return new Promise((resolve) =>
      this.http.listen(0, '127.0.0.1', () => {
        this.port = (this.http.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  private onSocket(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('v') !== '10' || url.searchParams.get('encoding') !== 'json' || url.searchParams.has('compress')) {
      ws.close(4012, 'fake discord: expected v=10, encoding=json, no compression');
      return;
    }
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, s: null, t: null, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (data) => {
      let msg: { op: number; d: unknown };
      try {
        msg = JSON.parse(String(data)) as { op: number; d: unknown };
      } catch {
        ws.close(4002, 'decode error');
        return;
      }
      this.gatewayReceived.push(msg);
      switch (msg.op) {
        case 1:
          ws.send(JSON.stringify({ op: 11, s: null, t: null, d: null }));
          break;
        case 2: {
          const d = msg.d as { token?: string };
          if (d.token !== this.opts.token) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          this.sendReady(ws);
          break;
        }
        case 6:
          // no resume support: ask for a fresh identify
          ws.send(JSON.stringify({ op: 9, s: null, t: null, d: false }));
          break;
        default:
          break;
      }
      this.notify();
    });
  }

  private sendReady(ws: WebSocket): void {
    const send = (t: string, d: unknown): void => ws.send(JSON.stringify({ op: 0, t, s: ++this.seq, d }));
    send('READY', {
      v: 10,
      user: this.botUser,
      guilds: [{ id: this.guildId, unavailable: true }],
      session_id: `session-${snowflake()}`,
      resume_gateway_url: this.gatewayUrl,
      shard: [0, 1],
      application: { id: this.applicationId, flags: 0 },
      private_channels: [],
      user_settings: {},
      relationships: [],
      guild_join_requests: [],
      presences: [],
    });
    send('GUILD_CREATE', {
      id: this.guildId,
      name: 'arbstream test guild',
      icon: null,
      owner_id: snowflake(),
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      emojis: [],
      stickers: [],
      roles: [this.guildId, ...this.opts.roleIds].map((id, i) => ({
        id,
        name: i === 0 ? '@everyone' : `role${i}`,
        color: 0,
        hoist: false,
        icon: null,
        unicode_emoji: null,
        position: i,
        permissions: '0',
        managed: false,
        mentionable: false,
        flags: 0,
      })),
      channels: this.opts.channelIds.map((id, i) => ({
        id,
        type: 0,
        guild_id: this.guildId,
        name: `channel-${i}`,
        position: i,
        permission_overwrites: [],
        topic: null,
        nsfw: false,
        last_message_id: null,
        rate_limit_per_user: 0,
        parent_id: null,
      })),
      threads: [],
      members: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    });
  }

  private message(channelId: string, body: { content?: string }): Record<string, unknown> {
    return {
      id: snowflake(),
      type: 0,
      channel_id: channelId,
      content: body.content ?? '',
      author: this.botUser,
      attachments: [],
      embeds: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: 0,
      components: [],
    };
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const method = req.method ?? 'GET';
    const authorization = req.headers.authorization;
    this.requests.push({ method, path, query: url.search, authorization, body, raw });

    const json = (status: number, data: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
      this.notify();
    };
    const botAuth = authorization === `Bot ${this.opts.token}`;
    let m: RegExpExecArray | null;

    if (!url.pathname.startsWith('/api/v10/')) return json(404, { message: 'expected /api/v10', code: 0 });
    if (method === 'GET' && path === '/gateway/bot') {
      if (!botAuth) return json(401, { message: '401: Unauthorized', code: 0 });
      return json(200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 60_000, max_concurrency: 1 } });
    }
    if (method === 'GET' && path === '/users/@me') {
      if (!botAuth) return json(401, { message: '401: Unauthorized', code: 0 });
      return json(200, this.botUser);
    }
    if (method === 'POST' && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      if (!botAuth) return json(401, { message: '401: Unauthorized', code: 0 });
      if (!this.opts.channelIds.includes(m[1]!)) return json(404, { message: 'Unknown Channel', code: 10003 });
      return json(200, this.message(m[1]!, body as { content?: string }));
    }
    if (method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(path)) {
      res.writeHead(204).end();
      this.notify();
      return;
    }
    if ((method === 'PATCH' || method === 'POST') && (m = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/@original)?$/.exec(path))) {
      return json(200, this.message(this.opts.channelIds[0] ?? '0', body as { content?: string }));
    }
    if (method === 'PUT' && (m = /^\/applications\/(\d+)(\/guilds\/\d+)?\/commands$/.exec(path))) {
      if (!botAuth) return json(401, { message: '401: Unauthorized', code: 0 });
      const cmds = Array.isArray(body) ? (body as Record<string, unknown>[]) : [];
      return json(200, cmds.map((c) => ({ ...c, id: snowflake(), application_id: m![1], version: snowflake(), type: 1 })));
    }
    return json(404, { message: `fake discord: no route ${method} ${path}`, code: 0 });
  }
}
