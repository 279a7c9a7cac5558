// Checks of the checker: test/support/prometheus.ts's grammar check of the text format 0.0.4 accepts the examples of
// Prometheus's "Exposition formats" page and names each broken rule in broken text. Chapter 13's grades lean on it, so
// a check that accepted everything would grade nothing. Not graded.
import { describe, expect, it } from "vitest";
import { checkExposition, parseExposition, sampleValue } from "../support/prometheus";

/** The example of the "Exposition formats" page (text format details), histogram and summary included. */
const DOCS_EXAMPLE = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.05"} 3272
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

describe("the grammar check of the text format 0.0.4", () => {
  it("accepts the documentation's example, which the parser reads too", () => {
    expect(checkExposition(DOCS_EXAMPLE)).toEqual([]);
    expect(parseExposition(DOCS_EXAMPLE).map((f) => f.name)).toContain("http_request_duration_seconds");
    expect(sampleValue(DOCS_EXAMPLE, "msdos_file_access_time_seconds", { path: "C:\\DIR\\FILE.TXT", error: 'Cannot find file:\n"FILE.TXT"' })).toBe(1.458255915e9);
  });

  const broken: [string, string, RegExp][] = [
    ["no final newline", "a 1", /does not end in a newline/],
    ["a bad metric name", "1a 1\n", /not a sample/],
    ["an unquoted label value", "a{b=c} 1\n", /not a sample/],
    ["an unknown escape in a label value", 'a{b="\\t"} 1\n', /not a sample/],
    ["a raw quote in a label value", 'a{b="x"y"} 1\n', /not a sample/],
    ["a value that is not a float", "a one\n", /not a sample/],
    ["an unknown escape in HELP", "# HELP a x \\t y\n", /escape other than/],
    ["an unknown type", "# TYPE a timer\n", /a TYPE line is/],
    ["TYPE after the samples", "a 1\n# TYPE a gauge\n", /comes after its samples/],
    ["two HELP lines", "# HELP a x\n# HELP a y\n", /a second HELP/],
    ["a family split in two", "a 1\nb 1\na{x=\"1\"} 2\n", /one group/],
    ["a series twice", "a{x=\"1\"} 1\na{x=\"1\"} 2\n", /the same series twice/],
    ["a label twice", 'a{x="1",x="2"} 1\n', /a label appears twice/],
    ["a negative counter", "# TYPE a_total counter\na_total -1\n", /never negative/],
    ["buckets not cumulative", '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /cumulative/],
    ["bounds not increasing", '# TYPE h histogram\nh_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /must increase/],
    ["no +Inf bucket", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /le="\+Inf"/],
    ["+Inf not equal to _count", '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', /_count is 1/],
    ["no _sum", '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n', /no _sum/],
  ];
  for (const [what, text, rule] of broken) {
    it(`names ${what}`, () => {
      const errors = checkExposition(text);
      expect(errors.join("\n")).toMatch(rule);
    });
  }
});
