/**
 * A virtual clock for streaming replays: an rxjs {@link VirtualTimeScheduler} whose time is unix ms
 * and that can be advanced step by step ({@link VirtualClock.advanceTo}) as recorded frames arrive,
 * instead of `flush()`, which runs every scheduled action at once and so needs the whole input
 * scheduled up front.
 *
 * Due actions run in (due time, scheduling order), exactly the order `VirtualTimeScheduler.flush`
 * uses. Pending actions live in a binary heap rather than the base class's array, which is
 * re-sorted on every `schedule` and searched on every cancel: with one sampling timer per market
 * (thousands of markets) that was O(markets) per book update. Cancelled actions are dropped
 * lazily when they reach the top of the heap.
 */
import { Subscription, VirtualAction, VirtualTimeScheduler, type SchedulerAction } from 'rxjs';

type Work<T> = (this: SchedulerAction<T>, state?: T) => void;

/** The scheduler's action: as VirtualAction, but queued in the clock's heap. */
class ClockAction<T> extends VirtualAction<T> {
  constructor(
    private readonly clock: VirtualClock,
    private readonly clockWork: Work<T>,
  ) {
    super(clock, clockWork);
  }

  override schedule(state?: T, delay = 0): Subscription {
    if (!Number.isFinite(delay)) return Subscription.EMPTY;
    if (!this.id) return super.schedule(state, delay);
    // rescheduling from inside the work (periodic actions): a new action, as VirtualAction does
    this.active = false;
    const action = new ClockAction(this.clock, this.clockWork);
    this.add(action);
    return action.schedule(state, delay);
  }

  protected override requestAsyncId(_scheduler: VirtualTimeScheduler, _id?: unknown, delay = 0): 1 {
    this.delay = this.clock.frame + delay;
    // the heap's keys must not change while queued (a cancelled action's delay becomes null)
    this.due = this.delay;
    this.order = this.index;
    this.clock.enqueue(this as ClockAction<unknown>);
    return 1;
  }

  /** due time, unix ms, and scheduling order (ties of due time run in it); fixed once queued */
  due = 0;
  order = 0;

  /** Runs the work; returns the error it threw, if any. */
  run(): unknown {
    return this.execute(this.state as T, this.delay);
  }

  get runnable(): boolean {
    return !this.closed && this.active;
  }
}

const before = (a: ClockAction<unknown>, b: ClockAction<unknown>): boolean => a.due < b.due || (a.due === b.due && a.order < b.order);

/** A VirtualTimeScheduler on unix ms that runs due actions up to a time on demand. */
export class VirtualClock extends VirtualTimeScheduler {
  private readonly heap: ClockAction<unknown>[] = [];

  /** @param startMs the clock's time before anything runs, unix ms */
  constructor(startMs = 0) {
    super(ClockAction as unknown as typeof VirtualAction);
    this.frame = startMs;
  }

  /** Pending (not yet run, possibly cancelled) actions. */
  get pending(): number {
    return this.heap.length;
  }

  override schedule<T>(work: Work<T>, delay = 0, state?: T): Subscription {
    return new ClockAction<T>(this, work).schedule(state, delay);
  }

  /** @internal called by the clock's actions */
  enqueue(a: ClockAction<unknown>): void {
    const h = this.heap;
    h.push(a);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): ClockAction<unknown> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  /** The due time of the next runnable action, or undefined when none is pending. */
  nextDue(): number | undefined {
    while (this.heap.length && !this.heap[0]!.runnable) this.pop();
    return this.heap[0]?.due;
  }

  /**
   * Runs every action due at or before `t` (`inclusive`, the default) or strictly before `t`, in
   * order, each at its own due time, then sets the clock to `t` (never backwards). An action that
   * throws cancels every pending action and the error is rethrown, as in `flush()`.
   */
  advanceTo(t: number, inclusive = true): void {
    this.runDue(t, inclusive);
    if (t > this.frame) this.frame = t;
  }

  private runDue(t: number, inclusive: boolean): void {
    for (;;) {
      const due = this.nextDue();
      if (due === undefined || due > t || (!inclusive && due === t)) break;
      const a = this.pop()!;
      if (due > this.frame) this.frame = due;
      const err = a.run();
      if (err) {
        let rest: ClockAction<unknown> | undefined;
        while ((rest = this.pop())) rest.unsubscribe();
        throw err;
      }
    }
  }

  /** Runs every pending action (including ones scheduled while running), as `VirtualTimeScheduler.flush`. */
  override flush(): void {
    this.runDue(Infinity, true);
  }
}
