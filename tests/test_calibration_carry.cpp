// A calibration carried forward: the Morocco calibration file as shipped, a batch
// whose uncertain parameters are drawn from a calibration's posterior
// (`from_calibration:`), and the calibrated scenario written back as YAML.
#include "io/calibration_file.hpp"
#include "io/calibration_loader.hpp"
#include "io/input_error.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace greenshift;

namespace {

const std::string kSource = GREENSHIFT_SOURCE_DIR;

// The shipped Morocco calibration loads: its parameters exist in the baseline at both
// bounds and at their starts, its targets are computable from the run it makes (to
// 2025), and each target and the hold-out carries a source.
TEST(MoroccoCalibration, LoadsWithSourcedTargetsAndAHoldOut) {
    const CalibrationPlan p = load_calibration(kSource + "/scenarios/morocco-calibration.yaml");
    EXPECT_EQ(p.end_year, 2025);
    EXPECT_GE(p.parameters.size(), 3u);
    EXPECT_LE(p.parameters.size(), 6u);
    EXPECT_GE(p.targets.size(), 5u);
    ASSERT_GE(p.validation.size(), 1u);
    for (const auto* set : {&p.targets, &p.validation})
        for (const Observation& o : *set) {
            EXPECT_NE(o.source.find("http"), std::string::npos) << o.name << ": no address in its source";
            EXPECT_GT(sigma(o), 0) << o.name;
        }
}

}  // namespace
