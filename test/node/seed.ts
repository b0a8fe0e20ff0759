// Seeds for randomized tests: SEED=n reproduces a run; otherwise a fresh one, printed so that a
// failure can be replayed (fast-check prints its seed and path too when a property fails).
export function seedFor(name: string): number {
  const seed = process.env.SEED !== undefined ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${name}: seed ${seed} (rerun with SEED=${seed})`);
  return seed;
}
