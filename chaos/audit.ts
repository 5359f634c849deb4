/**
 * The end of a chaos run: every record produced is looked up where it must have gone. A
 * transaction is `lost` without its row or dead letter (a normal one, which has none, when its
 * group never committed past it), `doubled` with more than one, `wrong` with the other kind; a good serial line must be in the readings topic once, with one detection row
 * per detector, a bad one in serial.dlq; every group must have committed up to each partition's
 * end; every suspicious transaction's alert id must be on the alerts topic (at least once, repeats
 * identical) and every dead letter's id on the dead-letter topic.
 */
import pg from 'pg';
import { KIND_HEADER } from './producers.ts';
import { type GroupTopic, type OffsetReader, behind } from './offsets.ts';
import { readTopic } from './topics.ts';

export interface Tally {
  produced: number;
  ok: number;
  lost: number;
  doubled: number;
  wrong: number;
  /** A few of the records at fault, `partition/offset` or `c<tag>`, to look for in the flows' logs. */
  examples: string[];
}

export interface AuditTopics {
  readonly transactions: GroupTopic;
  readonly sensors: GroupTopic;
  readonly alerts: string;
  readonly dlq: string;
  readonly serialDlq: string;
  readonly detectors: number;
}

export interface Audit {
  /** Per kind of record: `suspicious`, `normal`, each poison kind, `serial-good`, each serial poison kind. */
  readonly byKind: Map<string, Tally>;
  readonly alerts: { records: number; repeats: number; missing: number; differing: number; dlqMissing: number };
  /** `group partition committed/end` of each partition behind. */
  readonly stuck: string[];
}

const tally = (byKind: Map<string, Tally>, kind: string): Tally => {
  let t = byKind.get(kind);
  if (!t) byKind.set(kind, (t = { produced: 0, ok: 0, lost: 0, doubled: 0, wrong: 0, examples: [] }));
  return t;
};

/** Rows per source coordinates `partition/offset`; dead letters count only with a reason. */
async function countsBy(db: pg.Client, table: 'suspicious_transactions' | 'dead_letters' | 'sensor_detections', source: string): Promise<Map<string, number>> {
  const withReason = table === 'dead_letters' ? " AND reason <> ''" : '';
  const { rows } = await db.query(
    `SELECT source_partition AS p, source_offset AS o, count(*)::int AS n FROM ${table} WHERE source = $1${withReason} GROUP BY 1, 2`,
    [source],
  );
  return new Map(rows.map((r: { p: number; o: string; n: number }) => [`${r.p}/${r.o}`, r.n]));
}

export async function audit(
  brokers: string[],
  databaseUrl: string,
  topics: AuditTopics,
  serialWritten: Map<number, string>,
  reader: OffsetReader,
): Promise<Audit> {
  const byKind = new Map<string, Tally>();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const tx = topics.transactions.topic;
    const [records, suspicious, dead, positions] = await Promise.all([
      readTopic(brokers, tx),
      countsBy(db, 'suspicious_transactions', tx),
      countsBy(db, 'dead_letters', tx),
      reader.positions(topics.transactions),
    ]);
    // a normal transaction leaves no row: only the group's commit says it was judged at all
    const judged = (partition: number, offset: number): boolean => offset < (positions?.get(partition)?.committed ?? 0);
    const expectedAlerts = new Set<string>();
    const expectedDead = new Set<string>();
    for (const r of records) {
      const kind = r.headers[KIND_HEADER] ?? 'unmarked';
      const t = tally(byKind, kind);
      t.produced++;
      const at = `${r.partition}/${r.offset}`;
      const s = suspicious.get(at) ?? 0;
      const d = dead.get(at) ?? 0;
      const want = kind === 'suspicious' ? [1, 0] : kind === 'normal' ? [0, 0] : [0, 1];
      if (kind === 'normal' && s + d === 0 && !judged(r.partition, r.offset)) fault(t, 'lost', at);
      else if (s === want[0] && d === want[1]) t.ok++;
      else if (s + d > 1) fault(t, 'doubled', at);
      else if (s + d === 0) fault(t, 'lost', at);
      else fault(t, 'wrong', at);
      if (kind === 'suspicious') expectedAlerts.add(`${tx}/${at}`);
      else if (kind !== 'normal') expectedDead.add(`${tx}/${at}`);
    }

    const alerts = { records: 0, repeats: 0, missing: 0, differing: 0, dlqMissing: 0 };
    const seen = new Map<string, string>();
    for (const r of await readTopic(brokers, topics.alerts)) {
      alerts.records++;
      const id = r.headers['vigie-alert-id'] ?? safeId(r.value);
      const value = r.value.toString('base64');
      if (id === undefined) continue;
      const first = seen.get(id);
      if (first === undefined) seen.set(id, value);
      else {
        alerts.repeats++;
        if (first !== value) alerts.differing++;
      }
    }
    alerts.missing = [...expectedAlerts].filter((id) => !seen.has(id)).length;
    const dlqIds = new Set((await readTopic(brokers, topics.dlq)).map((r) => r.headers['vigie-alert-id'] ?? safeId(r.value)));
    alerts.dlqMissing = [...expectedDead].filter((id) => !dlqIds.has(id)).length;

    await auditSerial(brokers, db, topics, serialWritten, byKind);

    const stuck: string[] = [];
    for (const group of [topics.transactions, topics.sensors]) {
      const positions = await reader.positions(group);
      if (!positions) stuck.push(`${group.group}: offsets unreadable`);
      else for (const p of behind(positions)) stuck.push(`${group.group} ${group.topic}/${p} ${positions.get(p)!.committed}/${positions.get(p)!.end}`);
    }
    return { byKind, alerts, stuck };
  } finally {
    await db.end();
  }
}

async function auditSerial(brokers: string[], db: pg.Client, topics: AuditTopics, written: Map<number, string>, byKind: Map<string, Tally>): Promise<void> {
  const readings = topics.sensors.topic;
  const [records, detections, dead, dlq] = await Promise.all([
    readTopic(brokers, readings),
    countsBy(db, 'sensor_detections', readings),
    countsBy(db, 'dead_letters', readings),
    readTopic(brokers, topics.serialDlq),
  ]);
  const inTopic = new Map<number, number>();
  for (const r of records) {
    const tag = Number(r.value.toString().split('.')[1]);
    const at = `${r.partition}/${r.offset}`;
    const rows = detections.get(at) ?? 0;
    // a reading in Kafka that did not become its detection rows is lost downstream
    if (rows !== topics.detectors || dead.has(at)) inTopic.set(tag, -1);
    else if (inTopic.get(tag) !== -1) inTopic.set(tag, (inTopic.get(tag) ?? 0) + 1);
  }
  const dlqText = dlq.map((r) => r.value.toString('latin1')).join('\n');
  for (const [tag, kind] of written) {
    const t = tally(byKind, kind === 'good' ? 'serial-good' : kind);
    t.produced++;
    if (kind !== 'good') {
      if (new RegExp(`c${tag}(?!\\d)`).test(dlqText)) t.ok++;
      else fault(t, 'lost', `c${tag}`);
      continue;
    }
    const n = inTopic.get(tag) ?? 0;
    if (n === 1) t.ok++;
    else fault(t, n > 1 ? 'doubled' : 'lost', `c${tag}`);
  }
}

function fault(t: Tally, what: 'lost' | 'doubled' | 'wrong', at: string): void {
  t[what]++;
  if (t.examples.length < 3) t.examples.push(`${what} ${at}`);
}

function safeId(value: Buffer): string | undefined {
  try {
    return (JSON.parse(value.toString()) as { alert_id?: string }).alert_id;
  } catch {
    return undefined;
  }
}
