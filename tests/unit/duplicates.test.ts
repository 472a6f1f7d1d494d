/**
 * Duplicate suppression against a naive model: a list of (key, time) deliveries, where a key is a
 * duplicate when it was last remembered within the window before now (and not in the future), and the
 * model forgets the least recently remembered key beyond the limit.
 */
import { DuplicateFilter } from '../../routing/duplicates';
import { SeededRng } from '../../sim/random';

test('matches a naive model over random keys, times and a clock that sometimes steps back', () => {
  const rng = new SeededRng(21);
  for (const [limit, windowMs] of [[1, 10], [4, 50], [32, 1_000]]) {
    const stats = { duplicates: 0 };
    const filter = new DuplicateFilter(stats, limit, windowMs);
    let model: Array<{ key: string; at: number }> = [];
    let modelDuplicates = 0;
    let now = 0;
    for (let i = 0; i < 5_000; i++) {
      now += rng.int(10) === 0 ? -rng.int(40) : rng.int(windowMs / 5 + 1);
      const key = `k${rng.int(limit * 2 + 1)}`;
      const held = model.find((e) => e.key === key);
      let expected = true;
      if (held && now - held.at < windowMs && now >= held.at) {
        expected = false;
        modelDuplicates++;
      } else {
        model = model.filter((e) => e.key !== key);
        model.push({ key, at: now });
        if (model.length > limit) model.shift();
      }
      expect(filter.firstDelivery(key, now)).toBe(expected);
      expect(filter.size).toBe(model.length);
    }
    expect(stats.duplicates).toBe(modelDuplicates);
    expect(modelDuplicates).toBeGreaterThan(0);
  }
});
