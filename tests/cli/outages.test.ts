import { Subject, lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/cli/config.ts';
import { createOutages } from '../../src/cli/outages.ts';
import { addressOf } from '../../src/adapters/postgres/connect.ts';
import { VigieError } from '../../src/errors.ts';

afterEach(() => vi.useRealTimers());

describe('outages', () => {
  it('keeps the start of an outage until the dependency answers, and says it with host:port', () => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T10:00:00Z') });
    const changes: [string, number | null][] = [];
    const outages = createOutages({ onChange: (d, since) => changes.push([d, since]) });
    outages.down('kafka', '127.0.0.1:9092', new Error('Connection error'));
    vi.advanceTimersByTime(5000);
    outages.down('kafka', '127.0.0.1:9092', new Error('again'));
    expect(outages.describe()).toBe('kafka 127.0.0.1:9092 down since 10:00:00 (5 s)');
    outages.written({ sink: 'postgres:dead_letters', items: [] });
    expect(outages.current()).toHaveLength(1);
    outages.written({ sink: 'kafka', items: [] });
    expect(outages.describe()).toBe('');
    expect(changes).toEqual([['kafka', Date.parse('2026-01-01T10:00:00Z')], ['kafka', null]]);
  });

  it('waits for ever by default; with a maximum, ends a stream with what was down and since when', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T10:00:00Z') });
    expect(createOutages({}).tooLong(Date.now() + 1e9)).toBeUndefined();
    const outages = createOutages({ maxOutageS: 60 });
    const source = new Subject<number>();
    const ended = lastValueFrom(source.pipe(outages.guard())).catch((e: unknown) => e);
    outages.down('postgres', 'db.example:5432', new Error('ECONNREFUSED'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(outages.tooLong()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2000);
    const error = (await ended) as VigieError;
    expect(error.code).toBe('OUTAGE_TOO_LONG');
    expect(error.message).toMatch(/giving up: postgres db\.example:5432 down since 10:00:00 \(6[12] s\), longer than --max-outage 60 s; last error: ECONNREFUSED/);
  });

  it('completes with its stream and leaves no timer behind', async () => {
    const outages = createOutages({ maxOutageS: 1 });
    const source = new Subject<number>();
    const done = lastValueFrom(source.pipe(outages.guard()), { defaultValue: 'none' });
    source.complete();
    expect(await done).toBe('none');
  });

  it('--max-outage and VIGIE_MAX_OUTAGE: seconds, positive, unset by default', () => {
    expect(resolveConfig({}, {}).maxOutage).toBeUndefined();
    expect(resolveConfig({ maxOutage: '90' }, {}).maxOutage).toBe(90);
    expect(resolveConfig({}, { VIGIE_MAX_OUTAGE: '2.5' }).maxOutage).toBe(2.5);
    expect(() => resolveConfig({ maxOutage: '0' }, {})).toThrow(/--max-outage/);
  });

  it('names a database by host:port, never with its credentials', () => {
    expect(addressOf('postgres://u:s3cr3t@db.example:6543/vigie')).toBe('db.example:6543');
    expect(addressOf('postgresql://u@127.0.0.1/vigie')).toBe('127.0.0.1:5432');
    expect(addressOf('host=db user=u password=s3cr3t port=6000')).toBe('db:6000');
  });
});
