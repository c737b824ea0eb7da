// A run split over several ranks equals the run in one process, bitwise. The ranks
// here are threads of one process joined by an in-memory communicator, so the test
// needs no MPI; the MPI communicator is tested under mpirun by tests/cli.
#include <gtest/gtest.h>
#include <omp.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/model.hpp"
#include "tests/test_support.hpp"

using namespace greenshift;

namespace {

// All ranks meet at each all_gather; the last to arrive concatenates the
// contributions in rank order and wakes the others.
class Hub {
public:
    explicit Hub(int n) : n_(n), slots_(static_cast<std::size_t>(n)) {}
    std::vector<std::byte> all_gather(int rank, const std::vector<std::byte>& mine, std::vector<std::uint64_t>& counts) {
        std::unique_lock lock(m_);
        slots_[static_cast<std::size_t>(rank)] = mine;
        const std::uint64_t generation = generation_;
        if (++arrived_ == n_) {
            result_.clear();
            counts_.clear();
            for (const auto& s : slots_) {
                result_.insert(result_.end(), s.begin(), s.end());
                counts_.push_back(s.size());
            }
            arrived_ = 0;
            ++generation_;
            cv_.notify_all();
        } else {
            cv_.wait(lock, [&] { return generation_ != generation; });
        }
        counts = counts_;
        return result_;
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    int n_;
    int arrived_ = 0;
    std::uint64_t generation_ = 0;
    std::vector<std::vector<std::byte>> slots_;
    std::vector<std::byte> result_;
    std::vector<std::uint64_t> counts_;
};

class ThreadRank final : public Communicator {
public:
    ThreadRank(Hub& hub, int rank, int size) : hub_(hub), rank_(rank), size_(size) {}
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::vector<std::byte> all_gather(const std::vector<std::byte>& mine, std::vector<std::uint64_t>& counts) override {
        return hub_.all_gather(rank_, mine, counts);
    }

private:
    Hub& hub_;
    int rank_, size_;
};

std::vector<RunResult> run_split(const Scenario& s, int ranks, int threads_per_rank) {
    Hub hub(ranks);
    std::vector<RunResult> results(static_cast<std::size_t>(ranks));
    std::vector<std::thread> pool;
    for (int r = 0; r < ranks; ++r)
        pool.emplace_back([&, r] {
            omp_set_num_threads(threads_per_rank);
            ThreadRank comm(hub, r, ranks);
            results[static_cast<std::size_t>(r)] = simulate(s, {}, &comm);
        });
    for (auto& t : pool) t.join();
    return results;
}

}  // namespace

class SplitRun : public ::testing::TestWithParam<int> {};

TEST_P(SplitRun, EveryRankEndsWithTheSerialResultBitwise) {
    // 4 x 2 x 5000 = 40,000 firms = 10 blocks, split unevenly over 2 and 3 ranks
    const Scenario s = fixtures::full_scenario(5000);
    static const RunResult serial = simulate(s);
    const auto parts = run_split(s, GetParam(), 1);
    for (const auto& r : parts) EXPECT_EQ(fixtures::bitwise_difference(serial, r), "");
    EXPECT_GT(fixtures::total(serial, "grant_spent"), 0);
    EXPECT_GT(fixtures::total(serial, "firms_labelled"), 0);
    EXPECT_GT(fixtures::total(serial, "firms_audited"), 0);
}

TEST_P(SplitRun, InstalledBasePotentialCreditLinesAndAuditCurveToo) {
    const Scenario s = fixtures::fidelity_scenario(5000);
    static const RunResult serial = simulate(s);
    for (const auto& r : run_split(s, GetParam(), 1)) EXPECT_EQ(fixtures::bitwise_difference(serial, r), "");
    EXPECT_GT(fixtures::total(serial, "loan_volume"), 0);
    EXPECT_GT(fixtures::total(serial, "firms_obliged"), 0);
    EXPECT_GT(fixtures::total(serial, "applications_unserved"), 0);
}

TEST_P(SplitRun, BassModeToo) {
    const Scenario s = fixtures::bass_scenario(50'000, 0.03, 0.38, 4, 10);
    const RunResult serial = simulate(s);
    for (const auto& r : run_split(s, GetParam(), 2)) EXPECT_EQ(fixtures::bitwise_difference(serial, r), "");
}

INSTANTIATE_TEST_SUITE_P(Ranks, SplitRun, ::testing::Values(1, 2, 3, 4));

TEST(SplitRun, EachRankHoldsOnlyItsBlocksOfFirms) {
    const Scenario s = fixtures::full_scenario(5000);  // 40,000 firms, 10 blocks
    Hub hub(3);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> held(3);
    std::vector<std::thread> pool;
    for (int r = 0; r < 3; ++r)
        pool.emplace_back([&, r] {
            ThreadRank comm(hub, r, 3);
            Model m(s, &comm);  // the constructor gathers the sums: all ranks must build
            held[static_cast<std::size_t>(r)] = {m.firms().first, m.firms().count};
        });
    for (auto& t : pool) t.join();
    // blocks 0-2, 3-5, 6-9 of 4096 firms (block_range: 10*r/3)
    EXPECT_EQ(held[0], (std::pair<std::uint64_t, std::uint64_t>{0, 3 * 4096}));
    EXPECT_EQ(held[1], (std::pair<std::uint64_t, std::uint64_t>{3 * 4096, 3 * 4096}));
    EXPECT_EQ(held[2], (std::pair<std::uint64_t, std::uint64_t>{6 * 4096, 40000 - 6 * 4096}));
}

// Labels and assistance for far fewer firms than are eligible: one process gathers
// only the keys under a cut-off, a split run gathers every key; both must pick the
// same firms, and exactly `capacity` of them a year.
TEST(SplitRun, SmallSelectionsPickTheSameFirmsAsAFullGather) {
    Scenario s = fixtures::full_scenario(6000);
    std::uint64_t label_capacity = 0;
    for (auto& pol : s.policies) {
        if (pol.type == PolicyType::tpme_label) pol.capacity = label_capacity = 37;
        if (pol.type == PolicyType::technical_assistance) {
            pol.capacity = 41;
            pol.eligible.labelled_only = false;
        }
    }
    const RunResult serial = simulate(s);
    const auto parts = run_split(s, 2, 1);
    for (const auto& part : parts) EXPECT_EQ(fixtures::bitwise_difference(serial, part), "");
    const Variable* labelled = serial.find("firms_labelled");
    ASSERT_NE(labelled, nullptr);
    // first label year 2018 (steps 4..7 of quarterly 2017-2026): 37 firms, then 74, ...
    EXPECT_EQ(labelled->counts[4], static_cast<std::int64_t>(label_capacity));
    EXPECT_EQ(labelled->counts[8], static_cast<std::int64_t>(2 * label_capacity));
}
