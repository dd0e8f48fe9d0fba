#pragma once
// Latency histogram with bounded relative error (log-linear buckets, 64 per power of two: <= 1.6 %),
// fixed size whatever the sample count, so 50 million samples cost the same few KB as fifty.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace loadgen {

class Histogram {
public:
	void Add(std::int64_t value_ns) {
		const std::uint64_t v = value_ns < 0 ? 0 : std::uint64_t(value_ns);
		++counts_[std::min<std::size_t>(Index(v), kBuckets - 1)];
		++count_;
		max_ = std::max(max_, v);
		sum_ += v;
	}
	void Merge(const Histogram& other) {
		for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
		count_ += other.count_;
		max_ = std::max(max_, other.max_);
		sum_ += other.sum_;
	}
	std::uint64_t Count() const { return count_; }
	std::uint64_t Max() const { return max_; }
	double Mean() const { return count_ ? double(sum_) / double(count_) : 0.0; }

	// The value at quantile q in [0, 1] (the middle of its bucket, never above the exact maximum).
	std::uint64_t Quantile(double q) const {
		if (count_ == 0) return 0;
		const std::uint64_t rank = std::max<std::uint64_t>(1, std::uint64_t(q * double(count_) + 0.5));
		std::uint64_t seen = 0;
		for (std::size_t i = 0; i < kBuckets; ++i) {
			seen += counts_[i];
			if (seen >= rank) return std::min(max_, Middle(i));
		}
		return max_;
	}

private:
	static constexpr unsigned kSubBits = 6;  // 64 linear sub-buckets per power of two
	static constexpr std::size_t kBuckets = 64 * 60;

	static std::size_t Index(std::uint64_t v) {
		const int msb = 63 - std::countl_zero(v | 1);
		const unsigned shift = msb > int(kSubBits) ? unsigned(msb) - kSubBits : 0;
		return std::size_t(shift) * 64 + std::size_t(v >> shift);
	}
	static std::uint64_t Middle(std::size_t index) {
		const std::size_t shift = index / 64 >= 1 ? index / 64 - 1 : 0;
		const std::uint64_t low = std::uint64_t(index - shift * 64) << shift;
		return low + ((std::uint64_t(1) << shift) >> 1);
	}

	std::array<std::uint64_t, kBuckets> counts_{};
	std::uint64_t count_ = 0, max_ = 0, sum_ = 0;
};

}  // namespace loadgen
