#include "auth/access_key.hpp"

namespace walcast::auth {

AccessKey KeyOf(const AccessRequest& request) {
	AccessKey key;
	if (request.identity) {
		key.role = request.identity->role;
		key.claims_json = request.identity->claims_json;
	}
	// The topic only matters to topic checks: table-only checks of one identity share a key whatever the topic.
	if (request.topic_checks != 0) key.topic = request.topic;
	key.topic_checks = request.topic_checks;
	key.tables = request.tables;
	return key;
}

}  // namespace walcast::auth
