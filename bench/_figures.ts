/** What every benchmark reports (bench/results/NAME.json, merged by run.ts), and the statistics they share. */
export interface Figure {
  metric: string;
  value: number;
  unit: string;
  /** what the figure is measured against, in the same run */
  baseline?: string;
  baselineValue?: number;
  ratio?: number;
  goal?: string;
  pass?: boolean;
}

/** The median (upper middle for an even count), as the benchmarks report it. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
