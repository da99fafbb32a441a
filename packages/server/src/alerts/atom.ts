/**
 * Alerts: Atom 1.0 feeds of blocking events (RFC 4287), per country, domain or URL. Pure: events in, XML out.
 * Every text comes from measurements (URLs are chosen by whoever runs a probe), so everything is escaped and
 * characters XML 1.0 forbids are dropped: a hostile URL cannot break the feed or inject markup.
 */
import { serviceNameOf } from '../events/subject.ts';
import { summarizeEvent } from '../events/summarize.ts';
import type { BlockingEvent } from '../events/types.ts';

/** Characters outside XML 1.0's Char production (controls, lone surrogates, U+FFFE/FFFF). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface FeedOptions {
  /** What the feed follows, in words: "KZ", "domain example.org". */
  scope: string;
  /** Absolute URL of this feed (its atom:id and rel=self). */
  selfUrl: string;
  /** Absolute base of the API, for entry links. */
  baseUrl: string;
  /** Time of the feed when it has no entries. */
  nowMs: number;
}

export function renderAtomFeed(events: readonly BlockingEvent[], options: FeedOptions): string {
  const updated = events.reduce((max, e) => Math.max(max, e.updatedAtMs), 0) || options.nowMs;
  const entries = events.map((e) => renderEntry(e, options.baseUrl)).join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${escapeXml(options.selfUrl)}</id>
  <title>${escapeXml(`blockwatch: blocking events, ${options.scope}`)}</title>
  <updated>${iso(updated)}</updated>
  <link rel="self" type="application/atom+xml" href="${escapeXml(options.selfUrl)}"/>
  <author><name>blockwatch</name></author>
  <generator>blockwatch</generator>
${entries}</feed>
`;
}

function renderEntry(e: BlockingEvent, baseUrl: string): string {
  const link = `${baseUrl}/api/v1/events/${encodeURIComponent(e.id)}`;
  const sentence = summarizeEvent(e);
  const networks = [...new Set(e.networks.map((n) => `AS${n.asn}`))].join(', ');
  const service = serviceNameOf(e.input);
  const lines = [
    sentence,
    service ? `Service: ${service}` : `URL: ${e.input}`,
    `Networks: ${networks}`,
    `Confidence: ${e.confidence}`,
    `Evidence: ${e.evidenceCount} measurements (${link})`,
  ];
  // The id changes with the status so a reader sees the end of an event as a new entry.
  return `  <entry>
    <id>${escapeXml(`${link}#${e.status}`)}</id>
    <title>${escapeXml(service ? sentence : `${e.domain}: ${sentence}`)}</title>
    <updated>${iso(e.updatedAtMs)}</updated>
    <published>${iso(e.detectedAtMs)}</published>
    <link rel="alternate" type="application/json" href="${escapeXml(link)}"/>
    <category term="${escapeXml(e.cc)}"/>
${e.methods.map((m) => `    <category term="${escapeXml(m)}"/>\n`).join('')}    <content type="text">${escapeXml(lines.join('\n'))}</content>
  </entry>
`;
}
