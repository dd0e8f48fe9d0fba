#pragma once
// What the channels stage needs to know about the database to accept a postgres_changes binding: which
// published tables match a (schema, table) pattern and what their columns are. Asked once per join, so
// an unknown or unpublished table, or a filter on a missing column, is reported to the client.

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace walcast::channels {

struct CatalogColumn {
	std::string name;
	std::string type;  // pg_type.typname: int4, text, timestamptz, _int4 ...
};

struct CatalogTable {
	std::string schema;
	std::string table;
	std::vector<CatalogColumn> columns;  // attnum order
};

struct CatalogResult {
	bool ok = true;
	std::string error;                // when !ok: why the database could not be asked (unreachable, ...)
	std::vector<CatalogTable> tables;  // when ok: published tables matching the pattern (maybe none)
	// When !ok: the lookup was refused because too many were waiting (CATALOG_MAX_PENDING), not because
	// the database is down. Not retried by the gateway: retrying would keep the backlog full.
	bool busy = false;
};

class Catalog {
public:
	using Callback = std::function<void(CatalogResult)>;

	virtual ~Catalog() = default;
	// `schema` and `table` are names or "*" for any. `done` runs on the network thread: later, or (for
	// in-memory catalogs) before Lookup returns. `interest` is whoever wants the answer (the joining
	// channel): once it has expired the lookup may be dropped unasked and `done` never called, so a client
	// that left costs the database nothing.
	virtual void Lookup(std::string schema, std::string table, std::weak_ptr<const void> interest, Callback done) = 0;
};

}  // namespace walcast::channels
