// The thread count of run, batch and serve: --threads, else OMP_NUM_THREADS, else
// every core. OpenMP takes OMP_NUM_THREADS as it is (100000 threads crashed a run);
// here it is held to what --threads allows.
#include <omp.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>

#include "apps/commands.hpp"

namespace greenshift::cli {

int resolve_threads(int requested) {
    int threads = requested;
    if (threads <= 0) {
        const char* env = std::getenv("OMP_NUM_THREADS");
        if (env != nullptr && *env != '\0') {
            // A list ("4,2") gives the count of each nesting level; greenshift's
            // parallel regions are not nested, so the first is the count.
            const std::string text(env);
            std::string first = text.substr(0, text.find(','));
            first.erase(0, first.find_first_not_of(" \t"));
            first.erase(first.find_last_not_of(" \t") + 1);
            int value = 0;
            const char* end = first.data() + first.size();
            const auto [ptr, ec] = std::from_chars(first.data(), end, value);
            if (first.empty() || ptr != end || ec != std::errc() || value < 1 || value > kMaxThreads)
                throw CLI::ValidationError("OMP_NUM_THREADS", "'" + text + "' is not a thread count; allowed: "
                                           "integers from 1 to " + std::to_string(kMaxThreads) +
                                           ", as for --threads (unset it to use every core)");
            threads = value;
        } else {
            threads = std::clamp(omp_get_max_threads(), 1, kMaxThreads);
        }
    }
    omp_set_num_threads(threads);
    return threads;
}

}  // namespace greenshift::cli
