#include "publications.hpp"

namespace walcast {

void SetUpPublicationFilter(PluginState *state)
{
	state->npubnames = 0;
	state->pubnames = nullptr;
	if (!state->opts.publication)
		return;

	// The option was already checked by ApplyOption, so the tokenizer cannot fail here.
	NameListCursor cursor{state->opts.publication};
	char name[kMaxNameLen + 1];
	const char *why = nullptr;
	int capacity = 0;
	while (NextName(cursor, name, &why) == NameToken::Name)
		capacity++;
	state->pubnames = static_cast<NameData *>(palloc0(sizeof(NameData) * Max(capacity, 1)));
	cursor = NameListCursor{state->opts.publication};
	while (NextName(cursor, name, &why) == NameToken::Name) {
		bool duplicate = false;
		for (int i = 0; i < state->npubnames; i++)
			duplicate |= strcmp(NameStr(state->pubnames[i]), name) == 0;
		if (!duplicate)
			namestrcpy(&state->pubnames[state->npubnames++], name);
	}

	// Through the SQL functions we are inside a transaction; a walsender starts decoding outside one, so open a
	// short one just for this catalog lookup.
	MemoryContext caller_ctx = CurrentMemoryContext;
	bool own_xact = !IsTransactionState();
	if (own_xact)
		StartTransactionCommand();
	const char *missing = nullptr;
	for (int i = 0; i < state->npubnames && !missing; i++)
		if (!OidIsValid(get_publication_oid(NameStr(state->pubnames[i]), true)))
			missing = NameStr(state->pubnames[i]);
	if (own_xact)
		CommitTransactionCommand();
	MemoryContextSwitchTo(caller_ctx);

	if (missing)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("publication \"%s\" does not exist", missing),
						errhint("Create it with CREATE PUBLICATION, or check the \"publication\" option of walcast.")));
}

namespace {

// Loads the named publications as they were at the point of history being decoded. A publication that did not
// exist yet publishes nothing there (it was checked to exist now, at slot start).
void EnsurePublicationsLoaded(PluginState *state)
{
	if (state->pubs_valid)
		return;
	MemoryContextReset(state->pubs_ctx);
	state->pubs = static_cast<PublicationInfo *>(
		MemoryContextAllocZero(state->pubs_ctx, sizeof(PublicationInfo) * Max(state->npubnames, 1)));
	state->npubs = 0;
	for (int i = 0; i < state->npubnames; i++) {
		Publication *pub = GetPublicationByName(NameStr(state->pubnames[i]), true);
		if (!pub)
			continue;
		PublicationInfo &info = state->pubs[state->npubs++];
		info.oid = pub->oid;
		info.alltables = pub->alltables;
		info.actions = pub->pubactions;
	}
	state->pubs_valid = true;
}

} // namespace

void ComputePublishedActions(PluginState *state, Relation rel, RelInfo *info)
{
	if (state->npubnames == 0) {
		info->pub_insert = info->pub_update = info->pub_delete = info->pub_truncate = true;
		info->pub_valid = true;
		return;
	}
	EnsurePublicationsLoaded(state);

	Oid relid = RelationGetRelid(rel);
	List *table_pubs = GetRelationPublications(relid);
	List *schema_pubs = GetSchemaPublications(RelationGetNamespace(rel));
	if (rel->rd_rel->relispartition) {
		// A partition is published through any ancestor that is.
		ListCell *lc;
		foreach (lc, get_partition_ancestors(relid)) {
			Oid ancestor = lfirst_oid(lc);
			table_pubs = list_concat(table_pubs, GetRelationPublications(ancestor));
			schema_pubs = list_concat(schema_pubs, GetSchemaPublications(get_rel_namespace(ancestor)));
		}
	}

	info->pub_insert = info->pub_update = info->pub_delete = info->pub_truncate = false;
	for (int i = 0; i < state->npubs; i++) {
		const PublicationInfo &pub = state->pubs[i];
		if (!pub.alltables && !list_member_oid(table_pubs, pub.oid) && !list_member_oid(schema_pubs, pub.oid))
			continue;
		info->pub_insert |= pub.actions.pubinsert;
		info->pub_update |= pub.actions.pubupdate;
		info->pub_delete |= pub.actions.pubdelete;
		info->pub_truncate |= pub.actions.pubtruncate;
	}
	info->pub_valid = true;
}

} // namespace walcast
