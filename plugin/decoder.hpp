// The bodies of the output plugin callbacks. plugin.cpp wraps each one in RunGuarded.
#pragma once

#include "pg.hpp"

namespace walcast {

void Startup_Cpp(LogicalDecodingContext *ctx, OutputPluginOptions *opt, bool is_init);
void Shutdown_Cpp(LogicalDecodingContext *ctx);
void Begin_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn);
void Commit_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr commit_lsn);
void Change_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, Relation relation, ReorderBufferChange *change);
void Truncate_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, int nrelations, Relation relations[],
				  ReorderBufferChange *change);
void Message_Cpp(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr lsn, bool transactional,
				 const char *prefix, Size size, const char *message);

} // namespace walcast
