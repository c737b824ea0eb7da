// libFuzzer target over the batch loader and the expansion of a batch into runs:
// the YAML guard, the batch schema, every variant's scenario and the Latin hypercube
// plan. The only acceptable outcome for any input is a plan or an InputError;
// another exception, a crash, a sanitizer report, a hang or runaway memory is a
// finding.
#include "batch/expand.hpp"
#include "io/batch_loader.hpp"
#include "io/input_error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

// The batch file is "read" from the bad-batch corpus folder, so that the seeds'
// relative base scenarios (../data/small.yaml) resolve as they do in the tests.
const std::string kPath = std::string(GREENSHIFT_SOURCE_DIR) + "/tests/bad_batches/fuzz.yaml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        greenshift::BatchPlan plan = greenshift::load_batch_text(text, kPath);
        greenshift::expand(plan);
    } catch (const greenshift::InputError&) {
        // refused with a message: the expected outcome for most inputs
    }
    return 0;
}
