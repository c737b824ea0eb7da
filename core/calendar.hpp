// Dates of the steps: steps start on the first day of a month (steps_per_year
// divides 12), so time can be stored as exact "days since" values that xarray and
// the netCDF tools decode in the standard (proleptic Gregorian) calendar.
#pragma once

#include <cstdint>

namespace greenshift {

// Days from `epoch_year`-01-01 to year-month-01 (month 1..12), proleptic Gregorian.
std::int64_t days_since(int epoch_year, int year, int month);

// Calendar year and month (1..12) in which `step` starts.
struct YearMonth {
    int year;
    int month;
};
YearMonth step_start(int start_year, int steps_per_year, int step);

}  // namespace greenshift
