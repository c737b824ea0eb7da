#include "core/calendar.hpp"

namespace greenshift {

namespace {
// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the
// well-known era-based civil-date algorithm).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (m + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}
}  // namespace

std::int64_t days_since(int epoch_year, int year, int month) {
    return days_from_civil(year, month, 1) - days_from_civil(epoch_year, 1, 1);
}

YearMonth step_start(int start_year, int steps_per_year, int step) {
    const int months_per_step = 12 / steps_per_year;
    const int month_index = step * months_per_step;
    return {start_year + month_index / 12, 1 + month_index % 12};
}

}  // namespace greenshift
