#pragma once
// What the channels stage needs to know about the database to accept a postgres_changes binding: which
// published tables match a (schema, table) pattern and what their columns are. Asked once per join, so
// an unknown or unpublished table, or a filter on a missing column, is reported to the client.

#include <functional>
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
};

class Catalog {
public:
	using Callback = std::function<void(CatalogResult)>;

	virtual ~Catalog() = default;
	// `schema` and `table` are names or "*" for any. `done` runs on the network thread: later, or (for
	// in-memory catalogs) before Lookup returns.
	virtual void Lookup(std::string schema, std::string table, Callback done) = 0;
};

}  // namespace walcast::channels
