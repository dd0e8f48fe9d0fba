#pragma once
// What the channels stage asks the database about an identity, answered later on the network thread:
// may this role read / write a private topic's broadcast and presence (the policies on walcast.messages),
// and may it SELECT these tables (postgres_changes). The channels stage depends on this interface only,
// so its tests can answer with a fake; PgAuthorizer answers from Postgres.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/identity.hpp"

namespace walcast::auth {

// Bits of AccessRequest::topic_checks / AccessResult::topic_allowed.
enum TopicRight : unsigned {
	kReadBroadcast = 1u << 0,   // SELECT policy lets the role see a broadcast row of the topic
	kReadPresence = 1u << 1,    // ... a presence row
	kWriteBroadcast = 1u << 2,  // INSERT policy lets the role insert a broadcast row of the topic
	kWritePresence = 1u << 3,   // ... a presence row
};

struct AccessRequest {
	IdentityPtr identity;     // role and claims; the checks run under SET ROLE with request.jwt.claims set
	std::string topic;        // the channel's topic as the client named it (room:alice), for walcast.topic()
	unsigned topic_checks = 0;  // TopicRight bits to decide; 0 = no topic check
	// Tables whose SELECT privilege (table or any column) to decide, as exact (schema, table) names.
	std::vector<std::pair<std::string, std::string>> tables;
};

struct AccessResult {
	bool ok = true;              // false: could not decide (database unreachable, role not allowed, ...)
	std::string error;           // when !ok, one line for the client
	unsigned topic_allowed = 0;  // TopicRight bits granted, of those asked
	std::vector<bool> table_select;  // per AccessRequest::tables, in order
};

class Authorizer {
public:
	using Callback = std::function<void(AccessResult)>;
	virtual ~Authorizer() = default;
	// `done` runs on the network thread (later, or before Check returns when cached). Once `interest` has
	// expired the check may be dropped unasked and `done` never called.
	virtual void Check(AccessRequest request, std::weak_ptr<const void> interest, Callback done) = 0;
};

}  // namespace walcast::auth
