#pragma once
// What makes two access checks the same question: the role and claims they run under, the topic and which of
// its rights are asked, and the tables. The authorizer's backlog coalesces requests with equal keys into one
// query and its cache answers them; the claims are compared whole (they hold exp and iat, so a refreshed
// token is a new question: the policies may read any claim).

#include <compare>
#include <string>
#include <utility>
#include <vector>

#include "auth/authorizer.hpp"

namespace walcast::auth {

struct AccessKey {
	std::string role;
	std::string claims_json;
	std::string topic;
	unsigned topic_checks = 0;
	std::vector<std::pair<std::string, std::string>> tables;

	auto operator<=>(const AccessKey&) const = default;
	bool operator==(const AccessKey&) const = default;
};

// The key of a request; a request without an identity has an empty role (and is refused before any query).
AccessKey KeyOf(const AccessRequest& request);

}  // namespace walcast::auth
