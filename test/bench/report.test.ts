// The figures a results row keeps from its reps (bench/lib/report.ts): the median the reports compare, the min–max
// beside it, and every rep in the order it ran, which the site draws as dots over each bar.
import { describe, expect, it } from "vitest";
import { median, spread } from "../../bench/lib/report";

describe("a row's figures from its reps", () => {
  it("takes the median of an odd count, and the mean of the middle two of an even one", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("keeps every rep in the order it ran, at the same four significant digits as the median", () => {
    expect(spread([102.46, 98.123, 120.56, 99.99, 101])).toEqual({
      value: 101,
      min: 98.12,
      max: 120.6,
      samples: [102.5, 98.12, 120.6, 99.99, 101],
    });
  });

  it("does not reorder the reps it is given", () => {
    const xs = [3, 1, 2];
    spread(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
});
