/**
 * remote: measuring a network from outside it, with nobody inside at risk (Censored Planet's Satellite and
 * Hyperquack). Resolvers inside the target network are asked for each domain and their answers verified against
 * control resolvers and what the answered addresses serve (`dns_remote`); servers inside the network are sent
 * requests naming the test domain and benign domains (`http_remote`). Records are OONI-format with
 * `annotations.vantage: "remote"`, verdicts use the shared outcome vocabulary. See docs/remote.md.
 *
 * Design: `analyze-*.ts` are pure (no `node:*`, no I/O) like verdict/; `measure-*.ts` and `verify.ts` use the netx
 * primitives; `infra.ts` holds the ethics checks (public infrastructure only, excluded end-user ranges) and
 * `pacer.ts` the rate limits per resolver, server and network.
 *
 * Operations: `planRemote` + `renderPlan` (the dry run), `runRemote`, `summarizeRemote`, `analyzeRemoteDns`,
 * `analyzeRemoteHttp`, and `analyzeRemoteRecord` (a stored record's verdict, as the server computes it).
 */
export { type AddressCheck, analyzeRemoteDns, type RemoteDnsInput, type RemoteVerdict } from './analyze-dns.ts';
export { analyzeRemoteHttp, type QuackAttempt, type RemoteHttpInput } from './analyze-http.ts';
export { checkExcludes, checkInfrastructure, type InfraHost, parseInfraCsv, readInfraCsv } from './infra.ts';
export { analyzeRemoteRecord } from './reanalyze.ts';
export { DNS_REMOTE, HTTP_REMOTE, isRemoteMeasurement, REMOTE_TEST_NAMES } from './records.ts';
export { DEFAULT_RATES, planRemote, type RemoteOptions, type RemotePlan, renderPlan, runRemote } from './run.ts';
export { type RemoteRow, renderRemoteTable, summarizeRemote } from './summary.ts';
