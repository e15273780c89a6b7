import { describe, expect, it } from 'vitest';
import { actorName, ControlError, DOORS, errorCode } from '../../src/control/audit.js';
import { UnknownPairError } from '../../src/control/pairs.js';
import { InvalidLimitsError } from '../../src/control/riskState.js';

describe('control/audit', () => {
  it('actorName is <door>:<who> for every door', () => {
    expect(DOORS.map((door) => actorName({ door, who: 'x' }))).toEqual(['cli:x', 'api:x', 'discord:x', 'file:x']);
    expect(actorName({ door: 'discord', who: 'bob(42)' })).toBe('discord:bob(42)');
  });

  it('errorCode: the control code, a GraphQL extensions code, else internal', () => {
    expect(errorCode(new UnknownPairError('p'))).toBe('NOT_FOUND');
    expect(errorCode(new InvalidLimitsError('bad', 'BAD_USER_INPUT'))).toBe('BAD_USER_INPUT');
    expect(errorCode(Object.assign(new Error('x'), { extensions: { code: 'FORBIDDEN' } }))).toBe('FORBIDDEN');
    expect(errorCode(new Error('boom'))).toBe('internal');
    expect(errorCode(null)).toBe('internal');
  });

  it('UnknownPairError is a non-retryable ControlError carrying the pair id', () => {
    const e = new UnknownPairError('nope');
    expect(e).toBeInstanceOf(ControlError);
    expect(e.kind).toBe('NonRetryable');
    expect(e.info).toEqual({ pairId: 'nope' });
    expect(e.message).toMatch(/no pair with id "nope"/);
  });
});
