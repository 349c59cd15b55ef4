#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/error.h"
#include "harness/results/codec.h"
#include "tests/support/error_of.h"

namespace harness {
namespace {

// Given text that is not a results.json, reading it should be a harness error naming the file.
TEST(ResultsFromJsonTest, NotResultsIsAnError) {
  EXPECT_THROW(ResultsFromJson("{\"cells\": [{}]}", "x.json"), HarnessError);
  EXPECT_THROW(ResultsFromJson("not json", "x.json"), HarnessError);
}

// Given a shard's provenance, results.json should carry it back (what `harness merge` checks);
// without one it has no "run" at all.
TEST(ResultsFromJsonTest, ProvenanceRoundTrip) {
  const RunProvenance run = {.harness_version = "0.1.0+gabc", .matrix = "configs/m.yaml", .matrix_sha256 = "feed",
                             .out_dir = "/out/shard-2", .shard = 2, .shards = 3, .matrix_cells = {"a", "b"}};
  const RunProvenance back = ProvenanceFromJson(ResultsJson({}, run), "results.json");
  EXPECT_EQ(back.harness_version, run.harness_version);
  EXPECT_EQ(back.matrix, run.matrix);
  EXPECT_EQ(back.matrix_sha256, run.matrix_sha256);
  EXPECT_EQ(back.out_dir, run.out_dir);
  EXPECT_EQ(back.shard, 2);
  EXPECT_EQ(back.shards, 3);
  EXPECT_EQ(back.matrix_cells, run.matrix_cells);
  EXPECT_EQ(back.merged_shards, 0);
  EXPECT_TRUE(ProvenanceFromJson(ResultsJson({}), "results.json").harness_version.empty());
  EXPECT_THROW(ProvenanceFromJson("{\"run\": {\"shard\": {}}}", "results.json"), HarnessError);
}

using ::testing::HasSubstr;
using ::harness::testing::HarnessErrorOf;

// A cell with every field set: every fact key, a fact of another harness version, history and
// baseline, timings of each kind.
CellResult EveryField() {
  CellResult r;
  r.cell = "debian-6.1/fix/s390x/clang";
  r.arch = "s390x";
  r.stage = Stage::kVerify;
  r.verdict = Verdict::kContentMismatch;
  r.detail = "first difference at offset 4219";
  r.diagnosis = {"hex dump", "console tail"};
  r.timings = {{Stage::kTree, 0.5, false, true}, {Stage::kBuild, 7.25, false, false, 0.125}, {Stage::kBoot, 0, true}};
  r.artifacts_dir = "/out/debian-6.1/fix/s390x-clang";
  for (int k = 0; k <= static_cast<int>(kLastFactKey); ++k) {
    SetFact(r, static_cast<FactKey>(k), "value of " + std::string(FactName(static_cast<FactKey>(k))));
  }
  r.other_facts = {{"a_fact_of_tomorrow", "42"}};
  r.history = {HistoryClass::kStillFailing, "since 2026-12-01", "2026-12-01T00:00:00Z", "0123abcd"};
  r.baseline = {BaselineClass::kPreExisting, "fails the same way without the series", "debian-6.1/none/s390x/clang",
                "/out/debian-6.1/none/s390x-clang"};
  return r;
}

// Given a cell with every field set (and a harness error beside it), the codec should read back
// exactly what it wrote, provenance and history time included.
TEST(ResultsCodecTest, EveryFieldRoundTrips) {
  CellResult error;
  error.cell = "debian-6.1/none/arm64/gcc";
  error.arch = "arm64";
  error.stage = Stage::kBoot;
  error.error = "qemu-system-aarch64 is not installed";
  const RunProvenance run = {.run_id = "ci-7", .started = "2026-12-07T18:00:00Z", .harness_version = "0.1.0+gabc",
                             .matrix = "configs/m.yaml", .matrix_sha256 = "feed", .out_dir = "/out",
                             .shard = 1, .shards = 2, .matrix_cells = {"a", "b"}, .merged_shards = 0};
  const ResultsFile back = ReadResultsJson(ResultsJson({EveryField(), error}, run, "2026-12-07T19:00:00Z"), "r.json");
  EXPECT_EQ(back.schema_version, kResultsSchemaVersion);
  ASSERT_EQ(back.cells.size(), 2u);
  EXPECT_EQ(back.cells[0], EveryField());
  EXPECT_EQ(back.cells[1], error);
  EXPECT_EQ(back.run.run_id, run.run_id);
  EXPECT_EQ(back.run.started, run.started);
  EXPECT_EQ(back.run.matrix_cells, run.matrix_cells);
  EXPECT_EQ(back.time, "2026-12-07T19:00:00Z");
}

// Given a results.json as every harness before schema_version wrote it (made here, field by
// field), it should read as version 1 with its facts typed and its classes known.
TEST(ResultsCodecTest, ReadsAVersion1File) {
  const std::string v1 = R"({
  "cells": [
    {
      "arch": "arm64",
      "artifacts": "/out/t/s/arm64-gcc",
      "baseline": {"artifacts": "/out/t/none/arm64-gcc", "cell": "t/none/arm64/gcc", "class": "introduced",
                   "detail": "without the series: PASS"},
      "cell": "t/s/arm64/gcc",
      "detail": "make failed",
      "diagnosis": ["kernel/bpf/btf.c:1: error: x"],
      "error": "",
      "facts": {"build_step": "CC", "btf_size": "1212677", "revision": "abc"},
      "history": {"class": "new failure", "detail": "was pass at t0", "since": "", "since_revision": ""},
      "stage": "build",
      "stages": [{"seconds": 1.5, "shared": true, "skipped": false, "stage": "tree"},
                 {"harness_seconds": 0.25, "seconds": 30.0, "shared": false, "skipped": false, "stage": "build"}],
      "verdict": "build-failed"
    },
    {"arch": "x86_64", "cell": "t/s/x86_64/gcc", "error": "qemu missing", "stage": "boot", "verdict": "harness-error"}
  ],
  "exit_code": 2
})";
  const ResultsFile file = ReadResultsJson(v1, "old/results.json");
  EXPECT_EQ(file.schema_version, 1);
  ASSERT_EQ(file.cells.size(), 2u);
  const CellResult& r = file.cells[0];
  EXPECT_EQ(r.verdict, Verdict::kBuildFailed);
  EXPECT_EQ(r.stage, Stage::kBuild);
  EXPECT_EQ(Fact(r, FactKey::kBuildStep), "CC");
  EXPECT_EQ(Fact(r, FactKey::kBtfSize), "1212677");
  EXPECT_TRUE(r.other_facts.empty());
  EXPECT_EQ(r.history.cls, HistoryClass::kNewFailure);
  EXPECT_EQ(r.baseline.cls, BaselineClass::kIntroduced);
  ASSERT_EQ(r.timings.size(), 2u);
  EXPECT_DOUBLE_EQ(r.timings[1].own_seconds, 0.25);
  EXPECT_EQ(file.cells[1].error, "qemu missing");
  EXPECT_EQ(file.cells[1].verdict, Verdict::kUndecided);
  EXPECT_TRUE(file.run.harness_version.empty());
  EXPECT_TRUE(file.time.empty());
}

// Given a file of a schema version this harness does not read, reading should stop with a
// harness error that says so, never guess.
TEST(ResultsCodecTest, RefusesAnUnknownVersion) {
  EXPECT_THAT(HarnessErrorOf([] { ReadResultsJson(R"({"schema_version": 2, "cells": []})", "new.json"); }),
              HasSubstr("schema_version 2, newer than this harness reads (1)"));
  EXPECT_THAT(HarnessErrorOf([] { ReadResultsJson(R"({"schema_version": 0, "cells": []})", "x.json"); }),
              HasSubstr("schema_version 0 does not exist"));
  EXPECT_THAT(HarnessErrorOf([] { ReadResultsJson(R"({"schema_version": "1", "cells": []})", "x.json"); }),
              HasSubstr("'x.json' is not a harness results.json"));
  EXPECT_THAT(ResultsJson({}), HasSubstr("\"schema_version\": 1"));
}

// Given a name this harness does not know where the set is closed (verdict, stage, class), the
// file should be refused; a fact under an unknown name is kept as it was and written back.
TEST(ResultsCodecTest, UnknownNamesAreErrorsButUnknownFactsAreKept) {
  const auto cell = [](const std::string& fields) {
    return R"({"cells": [{"cell": "c", "verdict": "pass", "stage": "verify")" + fields + "}]}";
  };
  EXPECT_THAT(HarnessErrorOf([&] { ReadResultsJson(R"({"cells": [{"cell": "c", "verdict": "passed"}]})", "x"); }),
              HasSubstr("verdict 'passed'"));
  EXPECT_THAT(HarnessErrorOf([&] { ReadResultsJson(cell(R"(, "stages": [{"stage": "link"}])"), "x"); }),
              HasSubstr("stage 'link'"));
  EXPECT_THAT(HarnessErrorOf([&] { ReadResultsJson(cell(R"(, "history": {"class": "regressed"})"), "x"); }),
              HasSubstr("history class 'regressed': expected new failure, still failing, fixed, passing or flaky"));
  EXPECT_THAT(HarnessErrorOf([&] { ReadResultsJson(cell(R"(, "baseline": {"class": "old"})"), "x"); }),
              HasSubstr("baseline class 'old'"));
  const auto kept = ReadResultsJson(cell(R"(, "facts": {"offset": "8", "tomorrow": "x"})"), "x").cells;
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(Fact(kept[0], FactKey::kOffset), "8");
  EXPECT_EQ(kept[0].other_facts.at("tomorrow"), "x");
  EXPECT_EQ(ReadResultsJson(ResultsJson(kept), "y").cells[0].other_facts, kept[0].other_facts);
}

}  // namespace
}  // namespace harness
