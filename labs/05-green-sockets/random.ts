// Seeded randomness for the simulated network: a tiny PRNG and the distributions latency is drawn from.
// Built in chapter 05.
//
// Math.random cannot be replayed. A simulated network draws every "random" choice — this packet's latency,
// whether that one is lost — from one generator seeded by the test, in the order the hub runs events, so
// the same seed gives the same run, byte for byte and millisecond for millisecond.

// #region random
/** A source of numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32 (Tommy Ettinger): 32 bits of state, one multiply-xorshift round per number. Small and fast,
 * and plenty for a simulation; not for secrets.
 */
export function mulberry32(seed: number): Random {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A way to draw a duration in milliseconds. */
export type Distribution = (random: Random) => number;

/** Always `ms`. */
export const constant =
  (ms: number): Distribution =>
  () =>
    ms;

/** Evenly spread between `min` and `max`. */
export const uniform =
  (min: number, max: number): Distribution =>
  (random) =>
    min + (max - min) * random();

/**
 * `min` plus an exponential tail of mean `mean`: most packets are quick, a few are slow — the shape of
 * queueing delay on a busy link.
 */
export const exponential =
  (min: number, mean: number): Distribution =>
  (random) =>
    min - mean * Math.log(1 - random());
// #endregion
