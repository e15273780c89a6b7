/**
 * Every refused mutation leaves an audit row, whatever its arguments. The mutation resolvers audit
 * what they refuse (role, invalid arguments) and the control layer what it refuses; this plugin
 * audits the mutations refused before any resolver runs: validation errors (a literal of the
 * wrong type, an unknown argument, armor limits) and variables that do not coerce (a string for a
 * Boolean, an Int out of range). Each root field of the operation gets one row, actor
 * `api:<token name>`, action the field name, args its raw arguments (untyped, made safe by
 * ./input.ts `auditArgs`), result `error: <code>`.
 *
 * Over HTTP the row is written before the response goes out (onResultProcess waits for it); over
 * graphql-ws it is written in the background (a failure is logged).
 */
import { Kind, valueFromASTUntyped, type DocumentNode, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type pg from 'pg';
import { recordAudit } from '../control/audit.js';
import { log } from '../log.js';
import type { Principal } from './auth.js';
import type { ApiServerContext } from './context.js';
import { withCode } from './errors.js';
import { auditArgs } from './input.js';

/** The mutation operation `document` runs (by `operationName`), if it is one. */
function mutationOf(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  return op?.operation === 'mutation' ? op : undefined;
}

/** Root fields of a mutation with their raw (untyped) arguments; variables as the client sent them. */
export function mutationFields(op: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | null | undefined): { action: string; args: Record<string, unknown> }[] {
  const vars = { ...(variables ?? {}) };
  return op.selectionSet.selections.slice(0, 20).map((s) => {
    if (s.kind !== Kind.FIELD) return { action: 'mutation', args: { selection: s.kind } };
    const args: Record<string, unknown> = {};
    for (const a of s.arguments ?? []) {
      try {
        args[a.name.value] = valueFromASTUntyped(a.value, vars);
      } catch {
        args[a.name.value] = '<unreadable>';
      }
    }
    return { action: s.name.value, args };
  });
}

const codeOf = (errors: readonly GraphQLError[]): string => {
  const first = errors[0];
  const code = first ? (withCode(first) as GraphQLError).extensions?.code : undefined;
  return typeof code === 'string' ? code : 'GRAPHQL_VALIDATION_FAILED';
};

interface Ctx {
  request?: Request;
  principal?: Principal;
  params?: { variables?: Record<string, unknown> | null; operationName?: string | null };
}

export function useRefusedMutationAudit(opts: { pool: pg.Pool; principalOf: (ctx: Ctx) => Principal | undefined }): Plugin<ApiServerContext> {
  const pending = new WeakMap<Request, Promise<void>[]>();

  function audit(ctx: Ctx, op: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | null | undefined, errors: readonly GraphQLError[]): void {
    const principal = opts.principalOf(ctx);
    if (!principal) return; // unauthenticated requests never get this far (401), kept as a guard
    const result = `error: ${codeOf(errors)}`;
    const rows = mutationFields(op, variables);
    const write = (async () => {
      for (const r of rows) {
        await recordAudit(opts.pool, { actor: { door: 'api', who: principal.name }, action: r.action, args: auditArgs(r.args), result });
      }
      log.warn({ token: principal.name, actions: rows.map((r) => r.action), result }, 'api: mutation refused before execution');
    })().catch((err: unknown) => log.error({ err }, 'api: cannot write the audit row of a refused mutation'));
    if (ctx.request) pending.set(ctx.request, [...(pending.get(ctx.request) ?? []), write]);
  }

  return {
    onValidate({ params, context }) {
      const c = context as Ctx;
      const op = mutationOf(params.documentAST, c.params?.operationName);
      if (!op) return;
      return ({ valid, result }) => {
        if (!valid) audit(c, op, c.params?.variables, result as readonly GraphQLError[]);
      };
    },
    onExecute({ args }) {
      const op = mutationOf(args.document, args.operationName);
      if (!op) return;
      return {
        onExecuteDone({ result }) {
          // no `data` at all: graphql-js refused the variables before running any resolver
          if (Symbol.asyncIterator in result || 'data' in result || !result.errors?.length) return;
          audit(args.contextValue as Ctx, op, args.variableValues, result.errors);
        },
      };
    },
    async onResultProcess({ request }) {
      const writes = pending.get(request);
      if (!writes) return;
      pending.delete(request);
      await Promise.all(writes);
    },
  };
}
