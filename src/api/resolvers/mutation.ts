/**
 * Mutation resolvers: the API is a door to the control layer (src/control), which writes each
 * decision and its audit row in one transaction and publishes it on the live events. The door
 * checks the role first (a refusal is audited here) and maps control errors to GraphQL codes.
 * The actor is `api:<token name>`.
 */
import { z } from 'zod';
import { RiskLimits } from '../../../schema/risk.js';
import { recordAudit, ControlError, type Actor } from '../../control/audit.js';
import { approvePair, rejectPair } from '../../control/pairs.js';
import { loadRiskControl, setKillSwitch, setRiskLimits } from '../../control/riskState.js';
import { log } from '../../log.js';
import { hasRole, type Role } from '../auth.js';
import { type ApiContext, type Args, id, parseArgs } from '../context.js';
import { apiError } from '../errors.js';
import { killSwitchView, limitsView, pairView } from '../views.js';

const actorOf = (ctx: ApiContext): Actor => ({ door: 'api', who: ctx.principal.name });

/** The role check of every mutation: a refusal is audited (`forbidden`) and answered FORBIDDEN. */
async function requireRole(ctx: ApiContext, action: string, args: Record<string, unknown>, role: Role): Promise<void> {
  if (hasRole(ctx.principal, role)) return;
  await recordAudit(ctx.pool, { actor: actorOf(ctx), action, args, result: 'forbidden' });
  log.warn({ token: ctx.principal.name, role: ctx.principal.role, action }, 'api: mutation refused (role)');
  throw apiError(`${action} needs the ${role} role (this token is ${ctx.principal.role})`, 'FORBIDDEN');
}

/** Control errors (unknown pair, invalid limits) become client errors with their code; others stay masked. */
async function control<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ControlError) throw apiError(err.message, err.code);
    throw err;
  }
}

export const Mutation = {
  async approvePair(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ pairId: id }), args);
    await requireRole(ctx, 'approvePair', a, 'operator');
    const r = await control(() => approvePair(ctx.pool, a.pairId, { actor: actorOf(ctx), events: ctx.live.events }));
    return pairView(r.pair);
  },
  async rejectPair(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ pairId: id, reason: z.string().trim().min(1).max(500) }), args);
    await requireRole(ctx, 'rejectPair', a, 'operator');
    const r = await control(() => rejectPair(ctx.pool, a.pairId, { actor: actorOf(ctx), reason: a.reason, events: ctx.live.events }));
    return pairView(r.pair);
  },
  async setKillSwitch(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ on: z.boolean() }), args);
    await requireRole(ctx, 'setKillSwitch', a, 'operator');
    await control(() => setKillSwitch(ctx.pool, a.on, { actor: actorOf(ctx), events: ctx.live.events }));
    return killSwitchView(await loadRiskControl(ctx.pool, ctx.risk));
  },
  async setRiskLimits(_: unknown, args: Args, ctx: ApiContext) {
    const input = parseArgs(z.object({ input: RiskLimits.partial().nullable().transform((v) => v ?? {}) }), {
      input: Object.fromEntries(Object.entries((args.input ?? {}) as Args).filter(([, v]) => v !== null && v !== undefined)),
    }).input;
    if (Object.keys(input).length === 0) throw apiError('setRiskLimits: give at least one limit', 'BAD_USER_INPUT');
    await requireRole(ctx, 'setRiskLimits', input, 'admin');
    await control(() => setRiskLimits(ctx.pool, input, ctx.risk, { actor: actorOf(ctx), events: ctx.live.events }));
    return limitsView(await loadRiskControl(ctx.pool, ctx.risk));
  },
};
