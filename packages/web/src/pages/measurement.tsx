/**
 * One measurement: the verdict and its explanation first, then the evidence beside the control, the raw JSON
 * and a stable link. This is the page a journalist cites, so it must stand on its own.
 */
import type { ControlResponse, Verdict, WebConnectivityTestKeys } from 'blockwatch/model';
import { useState } from 'react';
import { api, apiUrl } from '../api/client.ts';
import type { MeasurementDetailResponse, OoniVerdictJson } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { Link } from '../components/link.tsx';
import { LoadedView } from '../components/loaded-view.tsx';
import { formatTime, networkHref, targetHref } from '../components/measurement-table.tsx';
import { Section } from '../components/section.tsx';
import { MethodText, VerdictBadge } from '../components/verdict-badge.tsx';
import { DnsEvidence, HttpEvidence, TcpEvidence, TlsEvidence } from '../evidence/evidence.tsx';
import { downloadText } from '../export/download.ts';
import { useI18n } from '../i18n/index.ts';
import { verdictLabel } from '../verdict-label.ts';

export function MeasurementPage({ uid }: { uid: string }) {
  const { t } = useI18n();
  const detail = useLoaded(`m:${uid}`, (s) => api.measurement(uid, s));
  return (
    <>
      <h1>
        {t('measurement.title')} <span className="mono small muted break">{uid}</span>
      </h1>
      <LoadedView loaded={detail}>{(d) => <MeasurementBody detail={d} />}</LoadedView>
    </>
  );
}

function MeasurementBody({ detail }: { detail: MeasurementDetailResponse }) {
  const { t, countryName } = useI18n();
  const { verdict, ooni_verdict: ooni, raw_measurement: raw } = detail;
  // The summary's keys are absent only for a measurement the store could not summarise: then the record says.
  const cc = detail.probe_cc ?? raw.probe_cc;
  const asn = detail.probe_asn ?? raw.probe_asn;
  const input = detail.input ?? raw.input ?? null;
  const testName = detail.test_name ?? raw.test_name;
  const keys = (raw.test_keys ?? null) as WebConnectivityTestKeys | null;
  const control = (keys?.control ?? null) as ControlResponse | null;
  const badgeRow = verdict
    ? { failure: verdict.failure, confirmed: verdict.confirmed, anomaly: verdict.anomaly, outcome: verdict.outcome }
    : {
        failure: detail.failure ?? false,
        confirmed: detail.confirmed ?? false,
        anomaly: detail.anomaly ?? false,
        outcome: detail.outcome ?? 'unknown',
      };
  const method = detail.blocking_type ?? null;
  return (
    <>
      <section className="verdict-hero" aria-labelledby="verdict-title">
        <h2 id="verdict-title" className="visually-hidden">
          {t('measurement.verdict')}
        </h2>
        <p className="verdict-line">
          <VerdictBadge row={badgeRow} />{' '}
          {(verdict?.methods.length ? verdict.methods : method ? [method] : []).map((m) => (
            <span key={m} className="mark">
              <MethodText method={m} />
            </span>
          ))}
        </p>
        {verdict ? (
          <p className="explanation" data-testid="explanation">
            {verdict.explanation}
          </p>
        ) : (
          <p className="muted">{t('measurement.noVerdict')}</p>
        )}
        {verdict?.reason ? <p className="muted">{verdict.reason}</p> : null}
        {ooni && hasOoniVerdict(ooni) ? (
          <OoniComparison ooni={ooni} verdict={verdict} rowLabel={verdictLabel(badgeRow)} />
        ) : null}
      </section>

      <Section id="meta" title={t('measurement.meta')}>
        <dl className="kv">
          <dt>{t('col.input')}</dt>
          <dd className="break">
            {input ? <Link href={targetHref({ input, domain: detail.domain ?? null }, cc)}>{input}</Link> : testName}
          </dd>
          <dt>{t('col.country')}</dt>
          <dd>
            <Link href={`/country/${cc}`}>{countryName(cc)}</Link> <span className="muted">{cc}</span>
          </dd>
          <dt>{t('col.network')}</dt>
          <dd>
            <Link href={networkHref(asn, cc)}>{asn}</Link>{' '}
            {detail.probe_network_name ? <span className="muted">{detail.probe_network_name}</span> : null}
          </dd>
          <dt>{t('measurement.startTime')}</dt>
          <dd className="mono">{formatTime(detail.measurement_start_time ?? raw.measurement_start_time)} UTC</dd>
          <dt>{t('col.test')}</dt>
          <dd>{testName}</dd>
          <dt>{t('measurement.software')}</dt>
          <dd>
            {raw.software_name} {raw.software_version}
          </dd>
          {raw.resolver_ip || raw.resolver_asn ? (
            <>
              <dt>{t('measurement.resolver')}</dt>
              <dd>
                {raw.resolver_ip} {raw.resolver_asn} <span className="muted">{raw.resolver_network_name}</span>
              </dd>
            </>
          ) : null}
          <dt>{t('measurement.report')}</dt>
          <dd className="mono small break">{detail.report_id ?? raw.report_id}</dd>
        </dl>
      </Section>

      {verdict ? <Layers verdict={verdict} /> : null}
      {verdict && verdict.fingerprints.length > 0 ? <Fingerprints verdict={verdict} /> : null}
      {Object.keys(detail.observations ?? {}).length > 0 ? <Observations values={detail.observations} /> : null}

      {keys ? (
        <Section id="evidence" title={t('measurement.evidence')}>
          <h3>{t('measurement.dns')}</h3>
          <DnsEvidence keys={keys} control={control} fingerprints={verdict?.fingerprints ?? []} />
          <h3>{t('measurement.tcp')}</h3>
          <TcpEvidence keys={keys} control={control} />
          <h3>{t('measurement.tls')}</h3>
          <TlsEvidence keys={keys} control={control} verdict={verdict} />
          <h3>{t('measurement.http')}</h3>
          <HttpEvidence keys={keys} control={control} />
        </Section>
      ) : null}

      <Section id="raw" title={t('measurement.raw')}>
        <RawJson detail={detail} />
      </Section>
      <ShareLink uid={detail.measurement_uid} />
    </>
  );
}

/** The experiment's observation columns as the store keeps them, by the experiment's own names. */
function Observations({ values }: { values: MeasurementDetailResponse['observations'] }) {
  const { t } = useI18n();
  const shown = (v: unknown) => (Array.isArray(v) ? v.join(', ') || '—' : v === null || v === '' ? '—' : String(v));
  return (
    <Section id="observations" title={t('measurement.observations')}>
      <table data-testid="observations">
        <tbody>
          {Object.entries(values).map(([name, value]) => (
            <tr key={name}>
              <th scope="row" className="mono">
                {name}
              </th>
              <td className="mono break">{shown(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** Measurements our own probe made carry no separate OONI verdict: nothing to compare then. */
function hasOoniVerdict(ooni: NonNullable<OoniVerdictJson>): boolean {
  return [ooni.blocking, ooni.accessible, ooni.anomaly, ooni.confirmed].some((v) => v !== null && v !== undefined);
}

/** OONI's classic keys beside ours: agreement is stated, not left for the reader to work out. */
function OoniComparison({
  ooni,
  verdict,
  rowLabel,
}: {
  ooni: NonNullable<OoniVerdictJson>;
  verdict: Verdict | null;
  rowLabel: string;
}) {
  const { t } = useI18n();
  const ooniBlocked = typeof ooni.blocking === 'string' || ooni.confirmed === true;
  const oursBlocked = rowLabel === 'blocked' || rowLabel === 'confirmed' || rowLabel === 'anomaly';
  const comparable = ooni.blocking !== null || ooni.confirmed !== null;
  return (
    <p className="ooni-verdict">
      {t('measurement.ooni')}: <code>blocking: {JSON.stringify(ooni.blocking)}</code>{' '}
      <code>accessible: {JSON.stringify(ooni.accessible)}</code>
      {comparable && verdict ? (
        <span className={ooniBlocked === oursBlocked ? 'mark mark-ok' : 'mark mark-bad'}>
          {ooniBlocked === oursBlocked ? t('measurement.ooniAgrees') : t('measurement.ooniDiffers')}
        </span>
      ) : null}
    </p>
  );
}

function Layers({ verdict }: { verdict: Verdict }) {
  const { t } = useI18n();
  const layers = (['dns', 'tcp', 'tls', 'http'] as const).filter((name) => verdict.layers[name]);
  if (layers.length === 0) return null;
  return (
    <Section id="layers" title={t('measurement.layers')}>
      <div className="table-scroll">
        <table>
          <tbody>
            {layers.map((name) => {
              const layer = verdict.layers[name]!;
              return (
                <tr key={name}>
                  <th scope="row">{name.toUpperCase()}</th>
                  <td>
                    <span className={`badge badge-layer-${layer.status}`}>{layer.status}</span>
                  </td>
                  <td>
                    {layer.failure ? <code className="failure">{layer.failure}</code> : null}
                    <ul className="plain">
                      {layer.evidence.map((e) => (
                        <li key={e}>{e}</li>
                      ))}
                    </ul>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function Fingerprints({ verdict }: { verdict: Verdict }) {
  const { t } = useI18n();
  return (
    <Section id="fingerprints" title={t('measurement.fingerprints')}>
      <ul className="plain">
        {verdict.fingerprints.map((f) => (
          <li key={`${f.name}-${f.location}-${f.matched}`}>
            <strong>{f.name}</strong> <span className="muted">({f.scope})</span> —{' '}
            {t('measurement.matched', { location: f.location, value: f.matched })} —{' '}
            <span className={f.confirms ? 'mark mark-bad' : 'mark'}>
              {f.confirms ? t('measurement.confirms') : t('measurement.noConfirm')}
            </span>
          </li>
        ))}
      </ul>
    </Section>
  );
}

const RAW_PREVIEW_CHARS = 200_000;

function RawJson({ detail }: { detail: MeasurementDetailResponse }) {
  const { t } = useI18n();
  const json = JSON.stringify(detail.raw_measurement, null, 2);
  return (
    <>
      <p>
        <button
          type="button"
          data-export="raw-json"
          onClick={() => downloadText(`${json}\n`, `${detail.measurement_uid}.json`, 'application/json')}
        >
          {t('measurement.download')}
        </button>{' '}
        <a href={apiUrl(`measurements/${encodeURIComponent(detail.measurement_uid)}`)} target="_blank" rel="noopener">
          {t('common.apiQuery')}
        </a>
      </p>
      <details>
        <summary>JSON</summary>
        <pre className="raw-json">
          {json.length > RAW_PREVIEW_CHARS ? `${json.slice(0, RAW_PREVIEW_CHARS)}\n…` : json}
        </pre>
      </details>
    </>
  );
}

function ShareLink({ uid }: { uid: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const link = `${location.origin}/m/${encodeURIComponent(uid)}`;
  return (
    <section className="share" aria-labelledby="share-title">
      <h2 id="share-title">{t('measurement.share')}</h2>
      <input readOnly value={link} aria-label={t('measurement.share')} onFocus={(e) => e.currentTarget.select()} />{' '}
      <button
        type="button"
        onClick={() =>
          navigator.clipboard?.writeText(link).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {t('common.copyLink')}
      </button>{' '}
      <span aria-live="polite">{copied ? t('common.copied') : ''}</span>
    </section>
  );
}
