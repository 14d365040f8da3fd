/**
 * Property-based tests (fast-check) run with a fixed seed and a bounded number of runs, so CI is
 * deterministic and quick. FUZZ_RUNS_FACTOR=50 multiplies every budget for a longer run; FUZZ_SEED picks
 * another seed (fast-check prints the seed and path of any failure, to replay it).
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);

export function fuzzRuns(ciRuns: number): number {
  const factor = Number(process.env.FUZZ_RUNS_FACTOR ?? 1);
  return Math.max(1, Math.round(ciRuns * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}
