/**
 * What a probe run measures, by the kind of input its experiment takes: URLs (web_connectivity), domain names
 * (dnscheck), or nothing (telegram, whatsapp, signal: their endpoints are fixed by the test). Pure; every problem
 * is a UsageError naming the argument.
 */
import { UsageError } from '../errors.ts';
import type { ExperimentInputKind } from '../experiments/experiment.ts';
import { dnsNameProblem } from '../netx/validate.ts';
import type { TestListEntry } from './test-list.ts';
import { urlProblem } from './test-list.ts';

export interface ProbeInput {
  /** null for an input-less experiment */
  input: string | null;
  category_code: string;
}

/**
 * The inputs of a run, in order, each once: the arguments, then the test list's entries (their host
 * names for a domain test). `testName` names the experiment in errors.
 */
export function probeInputs(
  kind: ExperimentInputKind,
  testName: string,
  args: string[],
  list: TestListEntry[] = [],
): ProbeInput[] {
  if (kind === 'none') {
    if (args.length > 0 || list.length > 0) {
      throw new UsageError(`probe: ${testName} takes no URL or list (its endpoints are fixed by the test)`);
    }
    return [{ input: null, category_code: '' }];
  }
  const out: ProbeInput[] = [];
  const add = (input: string, category_code: string) => {
    if (!out.some((u) => u.input === input)) out.push({ input, category_code });
  };
  for (const [i, arg] of args.entries()) {
    const problem = kind === 'url' ? urlProblem(arg) : dnsNameProblem(arg);
    if (problem) throw new UsageError(`argument ${i + 1}: ${problem}`);
    add(kind === 'url' ? arg : arg.toLowerCase(), '');
  }
  for (const e of list) add(kind === 'url' ? e.url : new URL(e.url).hostname.toLowerCase(), e.category_code);
  if (out.length === 0) {
    throw new UsageError(`probe: give at least one ${kind === 'url' ? 'URL' : 'domain'} or --list FILE.csv`);
  }
  return out;
}
