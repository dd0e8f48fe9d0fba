// walcast: a logical decoding output plugin that writes one JSON object per row change, shaped exactly like
// the `data` object Supabase Realtime pushes to its clients.
//
// This file is the plugin's C face: module magic, registration, and one two-line shim per callback.
#include "boundary.hpp"
#include "decoder.hpp"

#include <type_traits>

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_output_plugin_init(OutputPluginCallbacks *cb);
}

namespace {

void Startup(LogicalDecodingContext *ctx, OutputPluginOptions *opt, bool is_init)
{
	walcast::RunGuarded("startup", walcast::Startup_Cpp, ctx, opt, is_init);
}

void Shutdown(LogicalDecodingContext *ctx)
{
	walcast::RunGuarded("shutdown", walcast::Shutdown_Cpp, ctx);
}

void Begin(LogicalDecodingContext *ctx, ReorderBufferTXN *txn)
{
	walcast::RunGuarded("begin", walcast::Begin_Cpp, ctx, txn);
}

void Commit(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr commit_lsn)
{
	walcast::RunGuarded("commit", walcast::Commit_Cpp, ctx, txn, commit_lsn);
}

void Change(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, Relation relation, ReorderBufferChange *change)
{
	walcast::RunGuarded("change", walcast::Change_Cpp, ctx, txn, relation, change);
}

void Truncate(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, int nrelations, Relation relations[],
			  ReorderBufferChange *change)
{
	walcast::RunGuarded("truncate", walcast::Truncate_Cpp, ctx, txn, nrelations, relations, change);
}

void Message(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr lsn, bool transactional,
			 const char *prefix, Size size, const char *message)
{
	walcast::RunGuarded("message", walcast::Message_Cpp, ctx, txn, lsn, transactional, prefix, size, message);
}

} // namespace

extern "C" void _PG_output_plugin_init(OutputPluginCallbacks *cb)
{
	// PostgreSQL's AssertVariableIsOfType relies on a C-only builtin; this is the C++ spelling of the same check.
	static_assert(std::is_same_v<decltype(&_PG_output_plugin_init), LogicalOutputPluginInit>);
	cb->startup_cb = Startup;
	cb->shutdown_cb = Shutdown;
	cb->begin_cb = Begin;
	cb->commit_cb = Commit;
	cb->change_cb = Change;
	cb->truncate_cb = Truncate;
	cb->message_cb = Message;
}
