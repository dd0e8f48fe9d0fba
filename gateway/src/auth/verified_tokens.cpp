#include "auth/verified_tokens.hpp"

namespace walcast::auth {

IdentityPtr VerifiedTokens::Find(std::string_view token, TimePoint now) const {
	if (max_entries_ == 0 || token.size() > kMaxCachedTokenBytes) return nullptr;
	std::lock_guard lock(mutex_);
	auto it = entries_.find(std::string(token));
	if (it == entries_.end()) return nullptr;
	const Entry& e = it->second;
	if (now < e.verified_at || now >= e.identity->expires_at) return nullptr;  // outside what was verified
	return e.identity;
}

void VerifiedTokens::Add(std::string_view token, IdentityPtr identity, TimePoint verified_at) {
	if (max_entries_ == 0 || token.size() > kMaxCachedTokenBytes || !identity) return;
	std::lock_guard lock(mutex_);
	std::string key(token);
	if (auto it = entries_.find(key); it != entries_.end()) {
		// Seen again (e.g. verified at an earlier `now` than the entry's): keep the wider window.
		if (verified_at < it->second.verified_at) it->second = Entry{std::move(identity), verified_at};
		return;
	}
	while (entries_.size() >= max_entries_ && !order_.empty()) {
		entries_.erase(order_.front());
		order_.pop_front();
	}
	order_.push_back(key);
	entries_.emplace(std::move(key), Entry{std::move(identity), verified_at});
}

std::size_t VerifiedTokens::size() const {
	std::lock_guard lock(mutex_);
	return entries_.size();
}

}  // namespace walcast::auth
