/**
 * One retry policy, passed in where infrastructure can fail (a database, a broker, a device):
 * exponential backoff with full jitter, a cap, and a bail-out for errors retrying cannot fix.
 */
import { type MonoTypeOperatorFunction, type SchedulerLike, asyncScheduler, retry, throwError, timer } from 'rxjs';
import { isRetriable } from './errors.ts';

export interface RetryPolicy {
  /** How many retries before giving up; Infinity retries for ever. */
  readonly retries: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  /** 0: exact exponential delays; 1: full jitter (uniform in [0, delay]). */
  readonly jitter: number;
  /** Which errors are worth retrying; by default {@link isRetriable}. */
  readonly retriable: (error: unknown) => boolean;
  /** Told of each retry before it waits, e.g. to log it. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: Infinity,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  factor: 2,
  jitter: 0.5,
  retriable: isRetriable,
};

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...defaultRetryPolicy, ...overrides };
}

/** The delay before retry number `attempt` (1-based), with `random` in [0, 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number = Math.random()): number {
  const exact = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  return Math.round(exact * (1 - policy.jitter * random));
}

/** Resubscribes to the source on retriable errors, waiting as the policy says; other errors pass. */
export function retryWith<T>(policy: RetryPolicy, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  return retry({
    count: policy.retries,
    resetOnSuccess: true,
    delay: (error: unknown, attempt: number) => {
      if (!policy.retriable(error)) return throwError(() => error);
      const ms = backoffDelay(policy, attempt);
      policy.onRetry?.(error, attempt, ms);
      return timer(ms, scheduler);
    },
  });
}

/**
 * The same policy for one asynchronous attempt (connecting at start, reconnecting a client):
 * `attempt` is called again after each retriable failure until it succeeds.
 */
export async function retryAsync<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n > policy.retries || !policy.retriable(error)) throw error;
      const ms = backoffDelay(policy, n);
      policy.onRetry?.(error, n, ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }
}
