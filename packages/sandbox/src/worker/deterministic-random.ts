/**
 * The random bytes of a deterministic run: xoshiro128** (Blackman and Vigna) over a state of
 * four 32-bit words read little-endian from the first 16 bytes of the seed, each step giving
 * one 32-bit word as 4 little-endian bytes. The stream runs on across `random_get` calls, so a
 * run's bytes depend only on the seed and on how many bytes it asked for before.
 *
 * Reproducible, not secret: anyone who knows the request can compute the bytes. A module that
 * needs secret randomness must be run with `"deterministic": false`.
 */
export class DeterministicRandom {
  readonly #state = new Uint32Array(4);
  /** Bytes of the current word not handed out yet. */
  #word = 0;
  #left = 0;

  /**
   * @param seed at least 16 bytes; an all-zero state (which xoshiro cannot leave) is replaced
   *   by the words 1, 2, 3, 4.
   * @throws RangeError when `seed` is shorter than 16 bytes
   */
  constructor(seed: Uint8Array) {
    if (seed.length < 16) throw new RangeError("a deterministic seed needs at least 16 bytes");
    const view = new DataView(seed.buffer, seed.byteOffset, 16);
    for (let index = 0; index < 4; index++) this.#state[index] = view.getUint32(index * 4, true);
    if (this.#state.every((word) => word === 0)) this.#state.set([1, 2, 3, 4]);
  }

  /** The next 32-bit word of the stream. */
  nextWord(): number {
    const state = this.#state;
    const s0 = state[0] as number;
    const s1 = state[1] as number;
    const s2 = state[2] as number;
    const s3 = state[3] as number;
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0;
    const n3 = (s3 ^ s1) >>> 0;
    state[1] = s1 ^ n2;
    state[0] = s0 ^ n3;
    state[2] = n2 ^ t;
    state[3] = rotateLeft(n3, 11);
    return result;
  }

  /** Fills `target` with the next bytes of the stream. */
  fill(target: Uint8Array): void {
    for (let index = 0; index < target.length; index++) {
      if (this.#left === 0) {
        this.#word = this.nextWord();
        this.#left = 4;
      }
      target[index] = this.#word & 0xff;
      this.#word >>>= 8;
      this.#left -= 1;
    }
  }
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
