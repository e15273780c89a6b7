import { expect } from 'vitest';
import { TestScheduler } from 'rxjs/testing';

/** A TestScheduler that compares frames with vitest's deep equality (STYLE.md §3). */
export const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
