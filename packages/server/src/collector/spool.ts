/**
 * The spool: an append-only log of accepted measurements on local disk, the collector's durability point.
 * A submission is acknowledged only after its records are written and fdatasync'ed. Concurrent appends are
 * grouped into one write + one fdatasync (group commit), so throughput does not pay one sync per request.
 *
 * Layout: `DIR/NNNNNNNNNN.jsonl` segments (one JSON record per line), rotated at `segmentBytes`; `DIR/committed.json`
 * is the loader's position (segment, byte offset), replaced atomically. Segments wholly before that position
 * are deleted. On open, a torn last line (a crash mid-write, never acknowledged) is cut off.
 *
 * Records appended by this process are also handed to the loader in memory once durable (`takeFresh`), so the
 * common path never re-reads and re-parses what the collector just checked; the file is read only after a
 * restart, or when the loader has fallen so far behind that the bounded hand-off queue overflowed.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MeasurementSource, OoniVerdict } from '../store/rows.ts';

export interface SpoolRecord {
  uid: string;
  m: Record<string, unknown>;
  src: MeasurementSource;
  ooni?: OoniVerdict;
}

export interface SpoolPosition {
  segment: number;
  offset: number;
}

interface PendingAppend {
  data: Buffer;
  records: SpoolRecord[];
  measurementJson: string[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Durable records waiting for the loader in memory, with the spool range they occupy. */
interface FreshRun {
  start: SpoolPosition;
  end: SpoolPosition;
  records: SpoolRecord[];
  measurementJson: string[];
}

/**
 * Bytes of spooled JSON kept in memory for the loader (about two of its batches; parsed, they take 3–4 times
 * as much). Past this, e.g. while the store is down, the loader reads the file later instead: memory stays bounded.
 */
const FRESH_LIMIT_BYTES = 40 * 1024 * 1024;

const SEGMENT = /^(\d{10})\.jsonl$/;
const MARKER = 'committed.json';
const segmentName = (n: number) => `${String(n).padStart(10, '0')}.jsonl`;

export function comparePositions(a: SpoolPosition, b: SpoolPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

export class Spool {
  readonly dir: string;
  private readonly segmentBytes: number;
  private fd!: FileHandle;
  private active = 1;
  private activeSize = 0;
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private committedAt: SpoolPosition = { segment: 1, offset: 0 };
  private listeners = new Set<() => void>();
  private fresh: FreshRun[] = [];
  private freshBytes = 0;
  /** Final sizes of segments rotated away by this process (to hand over runs across a rotation). */
  private closedSizes = new Map<number, number>();
  private closed = false;

  private constructor(dir: string, segmentBytes: number) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  static async open(dir: string, options: { segmentBytes?: number } = {}): Promise<Spool> {
    const spool = new Spool(dir, options.segmentBytes ?? 64 * 1024 * 1024);
    await mkdir(dir, { recursive: true });
    const segments = await spool.segments();
    try {
      spool.committedAt = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as SpoolPosition;
    } catch {
      spool.committedAt = { segment: segments[0] ?? 1, offset: 0 };
    }
    spool.active = Math.max(segments.at(-1) ?? 1, spool.committedAt.segment);
    const path = join(dir, segmentName(spool.active));
    spool.fd = await open(path, 'a+');
    spool.activeSize = await cutTornTail(spool.fd);
    return spool;
  }

  /**
   * Appends records; resolves once they are on disk (fdatasync), i.e. safe to acknowledge. `json[i]`, if given,
   * is record i's measurement as JSON already made (the collector's canonical form), else it is serialised here.
   */
  append(records: SpoolRecord[], json?: string[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the spool is closed'));
    if (records.length === 0) return Promise.resolve();
    // Each measurement is serialised once: the same JSON goes to the file and, through the loader, to the store.
    const measurementJson = json ?? records.map((r) => JSON.stringify(r.m));
    const data = Buffer.from(records.map((r, i) => spoolLine(r, measurementJson[i]!)).join(''));
    return new Promise((resolve, reject) => {
      this.pending.push({ data, records, measurementJson, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // `flushing` is cleared in the same tick as the last group is resolved (no await in between): an append made
    // by a caller resuming from that resolution must start a new loop, not join one that has finished.
    try {
      while (this.pending.length) {
        const group = this.pending;
        this.pending = [];
        const data = group.length === 1 ? group[0]!.data : Buffer.concat(group.map((g) => g.data));
        try {
          if (this.activeSize > 0 && this.activeSize + data.length > this.segmentBytes) await this.rotate();
          let written = 0;
          while (written < data.length) {
            const { bytesWritten } = await this.fd.write(data, written, data.length - written);
            written += bytesWritten;
          }
          await this.fd.datasync();
          this.keepFresh(group);
          this.activeSize += data.length;
        } catch (err) {
          // Nothing of this group was acknowledged: cut whatever part reached the file.
          await this.fd.truncate(this.activeSize).catch(() => {});
          for (const g of group) g.reject(err as Error);
          continue;
        }
        for (const g of group) g.resolve();
        for (const listener of this.listeners) listener();
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Queues a durable group for the loader, one run per append (so a file read can end at any of them). */
  private keepFresh(group: PendingAppend[]): void {
    let offset = this.activeSize;
    for (const g of group) {
      const start = { segment: this.active, offset };
      offset += g.data.length;
      if (this.freshBytes + g.data.length > FRESH_LIMIT_BYTES) continue;
      this.fresh.push({
        start,
        end: { segment: this.active, offset },
        records: g.records,
        measurementJson: g.measurementJson,
      });
      this.freshBytes += g.data.length;
    }
  }

  /**
   * The records from `from` on, straight from memory, about `maxBytes` of them, if this process appended them
   * and they are still queued; else null (read the file). Runs wholly before `from` are dropped.
   */
  takeFresh(
    from: SpoolPosition,
    maxBytes: number,
  ): { records: SpoolRecord[]; measurementJson: string[]; next: SpoolPosition } | null {
    let drop = 0;
    while (drop < this.fresh.length && comparePositions(this.fresh[drop]!.end, from) <= 0) {
      this.freshBytes -= runBytes(this.fresh[drop]!);
      drop++;
    }
    if (drop) this.fresh.splice(0, drop);
    const first = this.fresh[0];
    if (!first) return null;
    // A run in another segment starts at offset 0 there; `from` may still point at the previous segment's end.
    const startsHere =
      comparePositions(first.start, from) === 0 ||
      (first.start.offset === 0 &&
        first.start.segment === from.segment + 1 &&
        this.closedSizes.get(from.segment) === from.offset);
    if (!startsHere) return null;
    const records: SpoolRecord[] = [];
    const measurementJson: string[] = [];
    let bytes = 0;
    let taken = 0;
    let next = from;
    for (const run of this.fresh) {
      if (taken > 0 && (bytes >= maxBytes || comparePositions(run.start, next) !== 0)) break;
      for (const r of run.records) records.push(r);
      for (const json of run.measurementJson) measurementJson.push(json);
      bytes += runBytes(run);
      next = run.end;
      taken++;
    }
    this.fresh.splice(0, taken);
    for (const segment of this.closedSizes.keys()) if (segment < next.segment) this.closedSizes.delete(segment);
    this.freshBytes -= bytes;
    return { records, measurementJson, next };
  }

  private async rotate(): Promise<void> {
    await this.fd.close();
    this.closedSizes.set(this.active, this.activeSize);
    this.active++;
    this.fd = await open(join(this.dir, segmentName(this.active)), 'a+');
    this.activeSize = 0;
    // The new file's directory entry must be durable too, or a crash could lose the whole segment.
    syncDir(this.dir);
  }

  /** Everything before this position is durable. */
  durableEnd(): SpoolPosition {
    return { segment: this.active, offset: this.activeSize };
  }

  committed(): SpoolPosition {
    return { ...this.committedAt };
  }

  /** Called after each durable append (the loader wakes up on it). */
  onDurable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads whole lines from `from`, at most about `maxBytes` (more if a single line is longer), never past the
   * durable end. Returns the lines and the position after them (possibly the start of the next segment).
   */
  async read(from: SpoolPosition, maxBytes: number): Promise<{ lines: string[]; next: SpoolPosition }> {
    const end = this.durableEnd();
    let pos = { ...from };
    for (;;) {
      if (comparePositions(pos, end) >= 0) return { lines: [], next: pos };
      // Stop where records queued for the hand-over begin, so the reader can take those from memory next.
      const handOver = this.fresh.find((run) => comparePositions(run.start, pos) > 0);
      const limit =
        handOver?.start.segment === pos.segment
          ? handOver.start.offset
          : pos.segment === end.segment
            ? end.offset
            : await this.sizeOf(pos.segment);
      if (pos.offset >= limit) {
        pos = { segment: pos.segment + 1, offset: 0 };
        continue;
      }
      const handle = await open(join(this.dir, segmentName(pos.segment)), 'r');
      try {
        let want = Math.min(maxBytes, limit - pos.offset);
        for (;;) {
          const buffer = Buffer.allocUnsafe(want);
          const { bytesRead } = await handle.read(buffer, 0, want, pos.offset);
          const lastNewline = buffer.lastIndexOf(10, bytesRead - 1);
          if (lastNewline >= 0) {
            const text = buffer.toString('utf8', 0, lastNewline);
            return { lines: text.split('\n'), next: { segment: pos.segment, offset: pos.offset + lastNewline + 1 } };
          }
          if (pos.offset + bytesRead >= limit) {
            // Only possible for a segment cut by a crash before its final newline: skip the fragment.
            return { lines: [], next: { segment: pos.segment + 1, offset: 0 } };
          }
          want = Math.min(want * 2, limit - pos.offset);
        }
      } finally {
        await handle.close();
      }
    }
  }

  private async sizeOf(segment: number): Promise<number> {
    try {
      return (await stat(join(this.dir, segmentName(segment)))).size;
    } catch {
      return 0;
    }
  }

  private async segments(): Promise<number[]> {
    return (await readdir(this.dir))
      .map((f) => SEGMENT.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Records the loader's position durably, then deletes the segments wholly before it. */
  async commit(position: SpoolPosition): Promise<void> {
    const tmp = join(this.dir, `${MARKER}.tmp`);
    await writeFile(tmp, JSON.stringify(position), { flush: true });
    await rename(tmp, join(this.dir, MARKER));
    syncDir(this.dir);
    this.committedAt = { ...position };
    for (const segment of await this.segments()) {
      if (segment < position.segment && segment !== this.active) await unlink(join(this.dir, segmentName(segment)));
    }
  }

  /** Waits for appends in flight, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.fd.close();
  }
}

/** Cuts a partial last line (a write interrupted by a crash) and returns the file's size. */
async function cutTornTail(fd: FileHandle): Promise<number> {
  const size = (await fd.stat()).size;
  if (size === 0) return 0;
  const chunk = Buffer.alloc(Math.min(size, 1 << 20));
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await fd.read(chunk, 0, end - start, start);
    const at = chunk.lastIndexOf(10, bytesRead - 1);
    if (at >= 0) {
      const keep = start + at + 1;
      if (keep < size) await fd.truncate(keep);
      return keep;
    }
    end = start;
  }
  await fd.truncate(0);
  return 0;
}

/** One spool line: the record as JSON, with the measurement's JSON already made. */
function spoolLine(record: SpoolRecord, measurementJson: string): string {
  return `${lineHead(record)}${measurementJson}${lineTail(record)}\n`;
}

const lineHead = (record: SpoolRecord) => `{"uid":${JSON.stringify(record.uid)},"m":`;
const lineTail = (record: SpoolRecord) =>
  `,"src":${JSON.stringify(record.src)}${record.ooni ? `,"ooni":${JSON.stringify(record.ooni)}` : ''}}`;

/**
 * The measurement's JSON as it stands in a spool line read back from the file (`record` is that line parsed),
 * cut out instead of serialised again; undefined if the line is not laid out as `spoolLine` writes it.
 */
export function measurementJsonOf(line: string, record: SpoolRecord): string | undefined {
  const head = lineHead(record);
  const tail = lineTail(record);
  if (line.length <= head.length + tail.length || !line.startsWith(head) || !line.endsWith(tail)) return undefined;
  return line.slice(head.length, line.length - tail.length);
}

function runBytes(run: FreshRun): number {
  return run.end.offset - run.start.offset;
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
