#include <gtest/gtest.h>

#include "core/calendar.hpp"
#include "core/scenario.hpp"

using namespace greenshift;

TEST(Path, InterpolatesLinearlyBetweenPoints) {
    const Path p{{2016, 2030}, {0.70, 0.45}};
    // hand-solved: 0.70 + (2023 - 2016) / 14 * (0.45 - 0.70) = 0.575
    EXPECT_NEAR(p.at(2023), 0.575, 1e-15);
    EXPECT_DOUBLE_EQ(p.at(2016), 0.70);
    EXPECT_DOUBLE_EQ(p.at(2030), 0.45);
}

TEST(Path, IsConstantBeyondItsEnds) {
    const Path p{{2017, 2020, 2030}, {1.0, 2.0, 0.5}};
    EXPECT_DOUBLE_EQ(p.at(1990), 1.0);
    EXPECT_DOUBLE_EQ(p.at(2050), 0.5);
    EXPECT_NEAR(p.at(2018.5), 1.5, 1e-15);
    EXPECT_NEAR(p.at(2025), 1.25, 1e-15);
}

TEST(Path, SinglePointIsAConstant) {
    const Path p = Path::constant(3.25);
    EXPECT_DOUBLE_EQ(p.at(-1e9), 3.25);
    EXPECT_DOUBLE_EQ(p.at(2040.7), 3.25);
}

TEST(Calendar, DaysSinceFollowTheGregorianCalendar) {
    EXPECT_EQ(days_since(2017, 2017, 1), 0);
    EXPECT_EQ(days_since(2017, 2018, 1), 365);
    EXPECT_EQ(days_since(2020, 2020, 3), 31 + 29);      // 2020 is a leap year
    EXPECT_EQ(days_since(2017, 2021, 1), 4 * 365 + 1);  // one leap day (2020)
    EXPECT_EQ(days_since(1999, 2001, 1), 365 + 366);    // 2000 is a leap year
    EXPECT_EQ(days_since(2099, 2101, 1), 365 + 365);    // 2100 is not
}

TEST(Calendar, QuarterlyStepsStartOnQuarterMonths) {
    const auto a = step_start(2017, 4, 5);  // sixth quarter: 2018-Q2
    EXPECT_EQ(a.year, 2018);
    EXPECT_EQ(a.month, 4);
    const auto b = step_start(2017, 12, 23);
    EXPECT_EQ(b.year, 2018);
    EXPECT_EQ(b.month, 12);
}
