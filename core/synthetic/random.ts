// Seeded randomness for the synthetic generators: one seed gives the same numbers on every machine,
// because only 32-bit integer arithmetic is used (no Math.random, no transcendental functions).

export type Random = {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One of the items, each as likely as its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** Roughly normal (Irwin–Hall of four uniforms): never further than 3.47 sd from the mean. */
  normal(mean: number, sd: number): number;
  /** A random (version 4) UUID. */
  uuid(): string;
};

/** A generator seeded by any text: the same text, the same sequence. */
export function createRandom(seed: string): Random {
  let [a, b, c, d] = hashSeed(seed);
  // sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes PractRand.
  const nextUint32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i += 1) nextUint32(); // mix the seed in before the first number is used

  const next = () => nextUint32() / 4_294_967_296;
  const hex = (value: number, digits: number) => value.toString(16).padStart(digits, "0");
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    weighted(items) {
      const total = items.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [item, weight] of items) {
        roll -= weight;
        if (roll < 0) return item;
      }
      return (items.at(-1) as (typeof items)[number])[0];
    },
    // Four uniforms sum to mean 2 and variance 1/3; scaled by √3 that is unit variance.
    normal: (mean, sd) => mean + sd * (next() + next() + next() + next() - 2) * 1.7320508075688772,
    uuid() {
      const w = [nextUint32(), nextUint32(), nextUint32(), nextUint32()];
      const s = w.map((word) => hex(word, 8)).join("");
      const variant = hex(8 + (Number.parseInt(s[16] as string, 16) & 3), 1);
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`;
    },
  };
}

/** cyrb128: four 32-bit words from a string, well mixed, as sfc32's starting state. */
function hashSeed(seed: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i += 1) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
