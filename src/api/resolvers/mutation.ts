/**
 * Mutation resolvers: the API is a door to the control layer (src/control), which writes each
 * decision and its audit row in one transaction and publishes it on the live events. The door
 * checks the role first, then the arguments: each refusal is audited here, whatever the
 * arguments (stored through ../input.ts `auditArgs`: NUL escaped, size capped), and maps control
 * errors to GraphQL codes. The actor is `api:<token name>`. Mutations refused before any
 * resolver runs (validation, variables) are audited by ../mutationAudit.ts.
 */
import { z } from 'zod';
import { RiskLimits } from '../../../schema/risk.js';
import { recordAudit, ControlError, errorCode, type Actor } from '../../control/audit.js';
import { ExecutionControlError, setExecutionArmed } from '../../control/execution.js';
import { approvePair, rejectPair } from '../../control/pairs.js';
import { loadRiskControl, setKillSwitch, setRiskLimits } from '../../control/riskState.js';
import { log } from '../../log.js';
import { hasRole, type Role } from '../auth.js';
import { type ApiContext, type Args, id, parseArgs } from '../context.js';
import { apiError } from '../errors.js';
import { auditArgs } from '../input.js';
import { killSwitchView, limitsView, pairView } from '../views.js';

const actorOf = (ctx: ApiContext): Actor => ({ door: 'api', who: ctx.principal.name });

/** The role check of every mutation: a refusal is audited (`forbidden`) and answered FORBIDDEN. */
async function requireRole(ctx: ApiContext, action: string, args: Record<string, unknown>, role: Role): Promise<void> {
  if (hasRole(ctx.principal, role)) return;
  await recordAudit(ctx.pool, { actor: actorOf(ctx), action, args: auditArgs(args), result: 'forbidden' });
  log.warn({ token: ctx.principal.name, role: ctx.principal.role, action }, 'api: mutation refused (role)');
  throw apiError(`${action} needs the ${role} role (this token is ${ctx.principal.role})`, 'FORBIDDEN');
}

/** The door of a mutation: the role (on the raw arguments), then the arguments; a refusal of either is audited. */
async function door<T extends z.ZodType>(ctx: ApiContext, action: string, role: Role, schema: T, args: Args): Promise<z.output<T>> {
  await requireRole(ctx, action, args, role);
  try {
    return parseArgs(schema, args);
  } catch (err) {
    await recordAudit(ctx.pool, { actor: actorOf(ctx), action, args: auditArgs(args), result: `error: ${errorCode(err)}` });
    log.warn({ token: ctx.principal.name, action }, 'api: mutation refused (arguments)');
    throw err;
  }
}

/** Control errors (unknown pair, invalid limits) become client errors with their code; others stay masked. */
async function control<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ControlError || err instanceof ExecutionControlError) throw apiError(err.message, err.code);
    throw err;
  }
}

export const Mutation = {
  async approvePair(_: unknown, args: Args, ctx: ApiContext) {
    const a = await door(ctx, 'approvePair', 'operator', z.object({ pairId: id }), args);
    const r = await control(() => approvePair(ctx.pool, a.pairId, { actor: actorOf(ctx), events: ctx.live.events }));
    return pairView(r.pair);
  },
  async rejectPair(_: unknown, args: Args, ctx: ApiContext) {
    const a = await door(ctx, 'rejectPair', 'operator', z.object({ pairId: id, reason: z.string().trim().min(1).max(500) }), args);
    const r = await control(() => rejectPair(ctx.pool, a.pairId, { actor: actorOf(ctx), reason: a.reason, events: ctx.live.events }));
    return pairView(r.pair);
  },
  async setKillSwitch(_: unknown, args: Args, ctx: ApiContext) {
    const a = await door(ctx, 'setKillSwitch', 'operator', z.object({ on: z.boolean() }), args);
    await control(() => setKillSwitch(ctx.pool, a.on, { actor: actorOf(ctx), events: ctx.live.events }));
    return killSwitchView(await loadRiskControl(ctx.pool, ctx.risk));
  },
  async setRiskLimits(_: unknown, args: Args, ctx: ApiContext) {
    const given = { input: Object.fromEntries(Object.entries((args.input ?? {}) as Args).filter(([, v]) => v !== null && v !== undefined)) };
    const schema = z.object({ input: RiskLimits.partial().refine((v) => Object.keys(v).length > 0, 'setRiskLimits: give at least one limit') });
    const { input } = await door(ctx, 'setRiskLimits', 'admin', schema, given);
    await control(() => setRiskLimits(ctx.pool, input, ctx.risk, { actor: actorOf(ctx), events: ctx.live.events }));
    return limitsView(await loadRiskControl(ctx.pool, ctx.risk));
  },
  async armExecution(_: unknown, args: Args, ctx: ApiContext) {
    await door(ctx, 'armExecution', 'admin', z.object({}), args);
    return control(() => setExecutionArmed(ctx.pool, true, { actor: actorOf(ctx), running: ctx.execution.current(), events: ctx.live.events }));
  },
  async disarmExecution(_: unknown, args: Args, ctx: ApiContext) {
    await door(ctx, 'disarmExecution', 'admin', z.object({}), args);
    return control(() => setExecutionArmed(ctx.pool, false, { actor: actorOf(ctx), running: ctx.execution.current(), events: ctx.live.events }));
  },
};
