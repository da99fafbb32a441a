/**
 * The evidence of one Web Connectivity measurement, probe beside control, layer by layer: DNS answers (with
 * ASNs, bogon and fingerprint marks), TCP connects, TLS chains with issuers, every HTTP hop and its body.
 * Everything measured is rendered as React text nodes: hostile pages cannot inject markup here.
 */
import type {
  ControlResponse,
  DnsAnswer,
  FingerprintMatch,
  HttpTransaction,
  TlsHandshake,
  Verdict,
  WebConnectivityTestKeys,
} from 'blockwatch/model';
import { isBogon } from 'blockwatch/verdict/bogons.ts';
import { useEffect, useState } from 'react';
import { Link } from '../components/link.tsx';
import { networkHref } from '../components/measurement-table.tsx';
import { useI18n } from '../i18n/index.ts';
import type { CertificateSummary } from './certificates.ts';
import { excerpt, maybeBinaryText } from './text.ts';

function Failure({ failure }: { failure: string | null | undefined }) {
  const { t } = useI18n();
  if (failure === undefined) return <span className="muted">{t('measurement.notMeasured')}</span>;
  if (failure === null) return <span className="ok">{t('measurement.success')}</span>;
  return <code className="failure">{failure}</code>;
}

function ms(t0: number | undefined, t: number | undefined): string {
  return typeof t0 === 'number' && typeof t === 'number' ? `${Math.round((t - t0) * 1000)} ms` : '';
}

export function DnsEvidence({
  keys,
  control,
  fingerprints,
}: {
  keys: WebConnectivityTestKeys;
  control: ControlResponse | null;
  fingerprints: FingerprintMatch[];
}) {
  const { t } = useI18n();
  const controlAddrs = new Set(control?.dns?.addrs ?? []);
  const fingerprinted = new Set(fingerprints.filter((f) => f.location === 'dns').map((f) => f.matched));
  const queries = keys.queries ?? [];
  return (
    <div className="side-by-side">
      <div className="probe-side">
        <h4>{t('measurement.probe')}</h4>
        {queries.length === 0 ? <p className="muted">{t('measurement.notMeasured')}</p> : null}
        {queries.map((q, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: measured records are rendered once and may repeat
          <div className="record" key={i}>
            <p>
              <code>{q.hostname}</code> {q.query_type} · {q.engine}
              {q.resolver_address ? ` · ${t('measurement.resolver')} ${q.resolver_address}` : ''} ·{' '}
              <Failure failure={q.failure} /> <span className="muted">{ms(q.t0, q.t)}</span>
            </p>
            {q.answers && q.answers.length > 0 ? (
              <ul className="answers">
                {q.answers.map((a, i) => (
                  <AnswerItem
                    // biome-ignore lint/suspicious/noArrayIndexKey: measured records are rendered once and may repeat
                    key={i}
                    answer={a}
                    controlAddrs={controlAddrs}
                    fingerprinted={fingerprinted}
                    hasControl={!!control}
                  />
                ))}
              </ul>
            ) : null}
          </div>
        ))}
        {keys.x_dns_duplicate_responses?.length ? (
          <p className="warn">{`${keys.x_dns_duplicate_responses.length} × late duplicate DNS reply (possible injection)`}</p>
        ) : null}
      </div>
      <div className="control-side">
        <h4>{t('measurement.control')}</h4>
        {control?.dns ? (
          <>
            <p>
              <Failure failure={control.dns.failure} />
            </p>
            <ul className="answers">
              {control.dns.addrs.map((addr, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: measured records are rendered once and may repeat
                <li key={i}>
                  <code>{addr}</code>
                  {control.ip_info?.[addr] ? <span className="muted"> AS{control.ip_info[addr]!.asn}</span> : null}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="muted">{t('measurement.notMeasured')}</p>
        )}
      </div>
    </div>
  );
}

function AnswerItem({
  answer,
  controlAddrs,
  fingerprinted,
  hasControl,
}: {
  answer: DnsAnswer;
  controlAddrs: Set<string>;
  fingerprinted: Set<string>;
  hasControl: boolean;
}) {
  const { t } = useI18n();
  const ip = answer.ipv4 ?? answer.ipv6;
  const bogon = ip ? safeBogon(ip) : false;
  return (
    <li>
      <span className="muted">{answer.answer_type}</span> <code>{ip ?? answer.hostname ?? ''}</code>
      {answer.asn ? (
        <>
          {' '}
          <Link href={networkHref(answer.asn)}>AS{answer.asn}</Link>
          {answer.as_org_name ? <span className="muted"> {answer.as_org_name}</span> : null}
        </>
      ) : null}
      {bogon ? <span className="mark mark-bad">{t('measurement.bogon')}</span> : null}
      {ip && fingerprinted.has(ip) ? <span className="mark mark-bad">{t('measurement.fingerprintMark')}</span> : null}
      {ip && hasControl ? (
        controlAddrs.has(ip) ? (
          <span className="mark mark-ok">{t('measurement.inControl')}</span>
        ) : (
          <span className="mark">{t('measurement.notInControl')}</span>
        )
      ) : null}
    </li>
  );
}

function safeBogon(ip: string): boolean {
  try {
    return isBogon(ip);
  } catch {
    return false;
  }
}

export function TcpEvidence({ keys, control }: { keys: WebConnectivityTestKeys; control: ControlResponse | null }) {
  const { t } = useI18n();
  const connects = keys.tcp_connect ?? [];
  if (connects.length === 0) return <p className="muted">{t('measurement.notMeasured')}</p>;
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('measurement.probe')}</th>
            <th scope="col" />
            <th scope="col">{t('measurement.control')}</th>
          </tr>
        </thead>
        <tbody>
          {connects.map((c, i) => {
            const endpoint = c.ip.includes(':') ? `[${c.ip}]:${c.port}` : `${c.ip}:${c.port}`;
            const ctl = control?.tcp_connect?.[endpoint];
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: measured records are rendered once and may repeat
              <tr key={i}>
                <td>
                  <code>{endpoint}</code>
                </td>
                <td>
                  <Failure failure={c.status?.failure ?? (c.status?.success ? null : undefined)} />{' '}
                  <span className="muted">{ms(c.t0, c.t)}</span>
                </td>
                <td>
                  {ctl ? (
                    <Failure failure={ctl.failure ?? (ctl.status ? null : 'failed')} />
                  ) : (
                    <span className="muted">{t('measurement.notMeasured')}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function TlsEvidence({
  keys,
  control,
  verdict,
}: {
  keys: WebConnectivityTestKeys;
  control: ControlResponse | null;
  verdict: Verdict | null;
}) {
  const { t } = useI18n();
  const handshakes = keys.tls_handshakes ?? [];
  return (
    <>
      {verdict?.interception && (verdict.interception.probe_issuer || verdict.interception.control_issuer) ? (
        <p className="alert-box" role="note">
          {t('measurement.interception', {
            probe: verdict.interception.probe_issuer ?? '—',
            control: verdict.interception.control_issuer ?? '—',
          })}
          {verdict.interception.validated_by_extra_ca ? ` (${t('measurement.extraCa')})` : ''}
        </p>
      ) : verdict?.interception?.validated_by_extra_ca && !handshakes.some((h) => h.x_validated_by_extra_ca) ? (
        <p className="alert-box" role="note">
          {t('measurement.extraCa')}
        </p>
      ) : null}
      {handshakes.length === 0 ? <p className="muted">{t('measurement.notMeasured')}</p> : null}
      {handshakes.map((h, i) => (
        <Handshake
          // biome-ignore lint/suspicious/noArrayIndexKey: measured records are rendered once and may repeat
          key={i}
          handshake={h}
          control={control?.tls_handshake?.[h.address] ?? null}
        />
      ))}
    </>
  );
}

function Handshake({
  handshake,
  control,
}: {
  handshake: TlsHandshake;
  control: { server_name: string; status: boolean; failure: string | null; x_issuer?: string | null } | null;
}) {
  const { t } = useI18n();
  const [chain, setChain] = useState<CertificateSummary[] | null>(null);
  const [differs, setDiffers] = useState(false);
  useEffect(() => {
    const certs = (handshake.peer_certificates ?? []).map((c) => (typeof c === 'string' ? c : c.data));
    if (certs.length === 0) return;
    let live = true;
    import('./certificates.ts').then(async ({ summarizeCertificate, sameName }) => {
      const summaries = await Promise.all(certs.slice(0, 10).map(summarizeCertificate));
      if (!live) return;
      setChain(summaries);
      const leafIssuer = summaries[0]?.issuer;
      setDiffers(!!(leafIssuer && control?.x_issuer && !sameName(leafIssuer, control.x_issuer)));
    });
    return () => {
      live = false;
    };
  }, [handshake, control]);
  return (
    <div className="side-by-side record">
      <div className="probe-side">
        <h4>{t('measurement.probe')}</h4>
        <p>
          <code>{handshake.address}</code> SNI <code>{handshake.server_name}</code> ·{' '}
          <Failure failure={handshake.failure} />{' '}
          <span className="muted">
            {[handshake.tls_version, handshake.cipher_suite, handshake.negotiated_protocol].filter(Boolean).join(' · ')}{' '}
            {ms(handshake.t0, handshake.t)}
          </span>
        </p>
        {handshake.x_validated_by_extra_ca ? <p className="alert-box">{t('measurement.extraCa')}</p> : null}
        {differs ? (
          <p className="alert-box">
            {t('measurement.interception', { probe: chain?.[0]?.issuer ?? '?', control: control?.x_issuer ?? '?' })}
          </p>
        ) : null}
        {chain ? (
          <ol className="chain" aria-label={t('measurement.chain')}>
            {chain.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: measured records are rendered once and may repeat
              <li key={i} className={c.error ? 'cert cert-bad' : 'cert'}>
                {c.error ? (
                  <code>{c.error}</code>
                ) : (
                  <dl>
                    <dt>{t('measurement.subject')}</dt>
                    <dd>{c.subject}</dd>
                    <dt>{t('measurement.issuer')}</dt>
                    <dd className="issuer">{c.issuer}</dd>
                    <dt>{t('measurement.valid')}</dt>
                    <dd>
                      {c.notBefore?.slice(0, 10)} – {c.notAfter?.slice(0, 10)}
                    </dd>
                    {c.dnsNames.length ? (
                      <>
                        <dt>SAN</dt>
                        <dd className="break">{c.dnsNames.join(', ')}</dd>
                      </>
                    ) : null}
                    {c.sha256 ? (
                      <>
                        <dt>SHA-256</dt>
                        <dd className="mono small break">{c.sha256}</dd>
                      </>
                    ) : null}
                  </dl>
                )}
              </li>
            ))}
          </ol>
        ) : null}
      </div>
      <div className="control-side">
        <h4>{t('measurement.control')}</h4>
        {control ? (
          <>
            <p>
              SNI <code>{control.server_name}</code> ·{' '}
              <Failure failure={control.failure ?? (control.status ? null : 'failed')} />
            </p>
            {control.x_issuer ? (
              <p>
                {t('measurement.issuer')}: <span className="issuer">{control.x_issuer}</span>
              </p>
            ) : null}
          </>
        ) : (
          <p className="muted">{t('measurement.notMeasured')}</p>
        )}
      </div>
    </div>
  );
}

/** OONI lists the last request first; hops are shown in the order they happened. */
function chronological(requests: HttpTransaction[]): HttpTransaction[] {
  const copy = [...requests];
  return copy.every((r) => typeof r.t0 === 'number') ? copy.sort((a, b) => a.t0 - b.t0) : copy.reverse();
}

export function HttpEvidence({ keys, control }: { keys: WebConnectivityTestKeys; control: ControlResponse | null }) {
  const { t, number } = useI18n();
  const hops = chronological(keys.requests ?? []);
  const ctl = control?.http_request;
  return (
    <div className="side-by-side">
      <div className="probe-side">
        <h4>{t('measurement.probe')}</h4>
        {hops.length === 0 ? <p className="muted">{t('measurement.notMeasured')}</p> : null}
        {hops.map((hop, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: measured records are rendered once and may repeat
          <Hop key={i} hop={hop} n={i + 1} />
        ))}
      </div>
      <div className="control-side">
        <h4>{t('measurement.control')}</h4>
        {ctl ? (
          <dl className="kv">
            <dt>{t('measurement.statusCode')}</dt>
            <dd>{ctl.failure ? <Failure failure={ctl.failure} /> : ctl.status_code}</dd>
            <dt>{t('measurement.pageTitle')}</dt>
            <dd className="break">{ctl.title}</dd>
            <dt>bytes</dt>
            <dd>{number(ctl.body_length)}</dd>
            <dt>{t('measurement.headers')}</dt>
            <dd>
              <pre className="pre-small">
                {Object.entries(ctl.headers ?? {})
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('\n')}
              </pre>
            </dd>
          </dl>
        ) : (
          <p className="muted">{t('measurement.notMeasured')}</p>
        )}
      </div>
    </div>
  );
}

function Hop({ hop, n }: { hop: HttpTransaction; n: number }) {
  const { t, number } = useI18n();
  const response = hop.response;
  const body = maybeBinaryText(response?.body);
  const shown = excerpt(body.text);
  const headers = (response?.headers_list ?? []).map(([k, v]) => `${k}: ${maybeBinaryText(v).text}`).join('\n');
  return (
    <article className="hop" aria-label={t('measurement.hop', { n })}>
      <p>
        <span className="muted">{t('measurement.hop', { n })}</span> {hop.request?.method ?? 'GET'}{' '}
        <code className="break">{hop.request?.url}</code>
      </p>
      <p>
        {response && response.code > 0 ? (
          <strong>
            {t('measurement.statusCode')} {response.code}
          </strong>
        ) : (
          <span className="muted">{t('measurement.noResponse')}</span>
        )}{' '}
        · <Failure failure={hop.failure} /> <span className="muted">{ms(hop.t0, hop.t)}</span>
      </p>
      {response?.x_title ? (
        <p className="break">
          {t('measurement.pageTitle')}: <q>{response.x_title}</q>
        </p>
      ) : null}
      {headers ? (
        <details>
          <summary>{t('measurement.headers')}</summary>
          <pre className="pre-small">{headers}</pre>
        </details>
      ) : null}
      {body.binaryBytes !== null ? (
        <p className="muted">{t('measurement.bodyBinary', { bytes: number(body.binaryBytes) })}</p>
      ) : shown.text ? (
        <details open={n === 1}>
          <summary>
            {t('measurement.body')}
            {response?.body_is_truncated || shown.cut ? ` (${t('measurement.truncated')})` : ''}
            {typeof response?.x_body_length === 'number' ? ` · ${number(response.x_body_length)} bytes` : ''}
          </summary>
          <pre className="body-excerpt">{shown.text}</pre>
        </details>
      ) : null}
    </article>
  );
}
