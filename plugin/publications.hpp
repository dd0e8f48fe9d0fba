// The `publication` option: which tables and which actions are emitted. Mirrors what pgoutput does, without
// row filters or column lists: a table is published when a named publication is FOR ALL TABLES, lists it (or
// a partition ancestor), or lists its schema (FOR TABLES IN SCHEMA); the actions are the union of those
// publications' publish = '...' settings.
#pragma once

#include "pg.hpp"
#include "relcache.hpp"
#include "state.hpp"

namespace walcast {

// Splits opts.publication into state->pubnames (in the current memory context) and checks, against the current
// catalog, that each publication exists: a typo is an ERROR when the slot starts, not a silent empty stream.
void SetUpPublicationFilter(PluginState *state);

// Fills info->pub_* for `rel`, under the historic snapshot of the change being decoded.
void ComputePublishedActions(PluginState *state, Relation rel, RelInfo *info);

} // namespace walcast
