#include "pure/options.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>

namespace walcast {

const OptionSpec kOptionSpecs[] = {
	{"publication", OptionKind::NameList, nullptr, &DecodingOptions::publication,
	 "comma-separated publication names: emit only their tables and their published actions"},
	{"include-lsn", OptionKind::Bool, &DecodingOptions::include_lsn, nullptr, "add \"lsn\" (\"X/X\") to each object"},
	{"include-xid", OptionKind::Bool, &DecodingOptions::include_xid, nullptr, "add \"xid\" to each object"},
	{"include-transaction", OptionKind::Bool, &DecodingOptions::include_transaction, nullptr,
	 "emit BEGIN and COMMIT objects around each transaction that emits anything"},
	{"include-pk", OptionKind::Bool, &DecodingOptions::include_pk, nullptr,
	 "add \"pk\": the primary-key (or replica identity index) column names"},
	{"include-messages", OptionKind::Bool, &DecodingOptions::include_messages, nullptr,
	 "emit MESSAGE objects for logical messages with the walcast prefix"},
	{"include-truncate", OptionKind::Bool, &DecodingOptions::include_truncate, nullptr, "emit TRUNCATE objects"},
	{"include-columns", OptionKind::Bool, &DecodingOptions::include_columns, nullptr,
	 "include the \"columns\" array (name and type of every column)"},
	{"max-change-bytes", OptionKind::Bytes, nullptr, nullptr,
	 "largest object for one change or message in bytes; a larger change is written without record/old_record and "
	 "with errors [\"Error 413: Payload Too Large\"]",
	 &DecodingOptions::max_change_bytes},
	{"max-message-depth", OptionKind::Depth, nullptr, nullptr,
	 "deepest nesting of arrays/objects for which MESSAGE content is embedded as JSON (default 31); deeper content "
	 "is written as a JSON string",
	 nullptr, &DecodingOptions::max_message_depth},
};
const size_t kOptionSpecCount = sizeof kOptionSpecs / sizeof kOptionSpecs[0];

const OptionSpec *FindOption(std::string_view name)
{
	for (size_t i = 0; i < kOptionSpecCount; i++)
		if (name == kOptionSpecs[i].name)
			return &kOptionSpecs[i];
	return nullptr;
}

namespace {

bool IsCaseInsensitivePrefixOf(std::string_view value, const char *word)
{
	size_t word_len = std::strlen(word);
	if (value.empty() || value.size() > word_len)
		return false;
	for (size_t i = 0; i < value.size(); i++)
		if (std::tolower(static_cast<unsigned char>(value[i])) != word[i])
			return false;
	return true;
}

// A plain decimal number (digits only, no sign or spaces) of at most `max`.
bool ParseBoundedDecimal(const char *value, size_t max, size_t *out)
{
	if (!value || !*value)
		return false;
	size_t parsed = 0;
	for (const char *p = value; *p; p++) {
		if (*p < '0' || *p > '9' || parsed > max)
			return false;
		parsed = parsed * 10 + static_cast<size_t>(*p - '0');
	}
	if (parsed > max)
		return false;
	*out = parsed;
	return true;
}

} // namespace

bool ParseBool(std::string_view value, bool *out)
{
	if (value.empty())
		return false;
	switch (std::tolower(static_cast<unsigned char>(value[0]))) {
	case 't':
		if (IsCaseInsensitivePrefixOf(value, "true")) { *out = true; return true; }
		break;
	case 'f':
		if (IsCaseInsensitivePrefixOf(value, "false")) { *out = false; return true; }
		break;
	case 'y':
		if (IsCaseInsensitivePrefixOf(value, "yes")) { *out = true; return true; }
		break;
	case 'n':
		if (IsCaseInsensitivePrefixOf(value, "no")) { *out = false; return true; }
		break;
	case 'o':
		// "o" alone is ambiguous between on and off.
		if (value.size() >= 2 && IsCaseInsensitivePrefixOf(value, "on")) { *out = true; return true; }
		if (value.size() >= 2 && IsCaseInsensitivePrefixOf(value, "off")) { *out = false; return true; }
		break;
	case '1':
		if (value.size() == 1) { *out = true; return true; }
		break;
	case '0':
		if (value.size() == 1) { *out = false; return true; }
		break;
	}
	return false;
}

bool ApplyOption(DecodingOptions &opts, std::string_view name, const char *value, char (&error)[kErrorBufSize])
{
	const OptionSpec *spec = FindOption(name);
	if (!spec) {
		int n = std::snprintf(error, sizeof error, "unrecognized walcast option \"%.*s\"; valid options are:",
							  static_cast<int>(name.size() > 100 ? 100 : name.size()), name.data());
		for (size_t i = 0; i < kOptionSpecCount && n > 0 && static_cast<size_t>(n) < sizeof error; i++)
			n += std::snprintf(error + n, sizeof error - n, "%s %s", i ? "," : "", kOptionSpecs[i].name);
		return false;
	}
	switch (spec->kind) {
	case OptionKind::Bool: {
		bool parsed = true; // an option given without a value means "on"
		if (value && !ParseBool(value, &parsed)) {
			std::snprintf(error, sizeof error, "walcast option \"%s\" requires a boolean value, got \"%.100s\"",
						  spec->name, value);
			return false;
		}
		opts.*(spec->flag) = parsed;
		return true;
	}
	case OptionKind::NameList: {
		if (!value) {
			std::snprintf(error, sizeof error, "walcast option \"%s\" requires a value", spec->name);
			return false;
		}
		// Check the whole list now so a malformed one fails at slot start, not at the first change.
		NameListCursor cursor{value};
		char name_buf[kMaxNameLen + 1];
		const char *why = nullptr;
		NameToken tok;
		while ((tok = NextName(cursor, name_buf, &why)) == NameToken::Name) {
		}
		if (tok == NameToken::Error || !cursor.seen_any) {
			std::snprintf(error, sizeof error, "invalid value for walcast option \"%s\": \"%.100s\" (%s)", spec->name,
						  value, tok == NameToken::Error ? why : "no name given");
			return false;
		}
		opts.*(spec->text) = value;
		return true;
	}
	case OptionKind::Bytes: {
		size_t parsed = 0;
		bool ok = value && *value;
		for (const char *p = value; ok && *p; p++) {
			ok = *p >= '0' && *p <= '9' && parsed <= DecodingOptions::kMaxMaxChangeBytes;
			parsed = parsed * 10 + static_cast<size_t>(ok ? *p - '0' : 0);
		}
		if (!ok || parsed < DecodingOptions::kMinMaxChangeBytes || parsed > DecodingOptions::kMaxMaxChangeBytes) {
			std::snprintf(error, sizeof error, "walcast option \"%s\" requires a byte count from %zu to %zu, got \"%.100s\"",
						  spec->name, DecodingOptions::kMinMaxChangeBytes, DecodingOptions::kMaxMaxChangeBytes,
						  value ? value : "");
			return false;
		}
		opts.*(spec->bytes) = parsed;
		return true;
	}
	case OptionKind::Depth: {
		size_t parsed = 0;
		if (!ParseBoundedDecimal(value, DecodingOptions::kMaxMaxMessageDepth, &parsed) ||
			parsed < DecodingOptions::kMinMaxMessageDepth) {
			std::snprintf(error, sizeof error, "walcast option \"%s\" requires a depth from %zu to %zu, got \"%.100s\"",
						  spec->name, DecodingOptions::kMinMaxMessageDepth, DecodingOptions::kMaxMaxMessageDepth,
						  value ? value : "");
			return false;
		}
		opts.*(spec->depth) = parsed;
		return true;
	}
	}
	return false;
}

namespace {

bool IsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void SkipSpaces(std::string_view &s)
{
	while (!s.empty() && IsSpace(s.front()))
		s.remove_prefix(1);
}

} // namespace

NameToken NextName(NameListCursor &cursor, char (&name)[kMaxNameLen + 1], const char **error)
{
	std::string_view &s = cursor.rest;
	SkipSpaces(s);
	if (s.empty()) {
		if (cursor.after_comma) {
			*error = "empty name after a comma";
			return NameToken::Error;
		}
		return NameToken::End;
	}
	size_t len = 0;
	if (s.front() == '"') {
		s.remove_prefix(1);
		for (;;) {
			if (s.empty()) {
				*error = "unterminated quoted name";
				return NameToken::Error;
			}
			char c = s.front();
			s.remove_prefix(1);
			if (c == '"') {
				if (!s.empty() && s.front() == '"')
					s.remove_prefix(1); // "" is one literal quote
				else
					break;
			}
			if (len == kMaxNameLen) {
				*error = "name longer than 63 bytes";
				return NameToken::Error;
			}
			name[len++] = c;
		}
		if (len == 0) {
			*error = "empty quoted name";
			return NameToken::Error;
		}
	} else {
		while (!s.empty() && s.front() != ',' && !IsSpace(s.front())) {
			if (s.front() == '"') {
				*error = "quote inside an unquoted name";
				return NameToken::Error;
			}
			if (len == kMaxNameLen) {
				*error = "name longer than 63 bytes";
				return NameToken::Error;
			}
			char c = s.front();
			name[len++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
			s.remove_prefix(1);
		}
		if (len == 0) {
			*error = "empty name";
			return NameToken::Error;
		}
	}
	name[len] = '\0';
	SkipSpaces(s);
	cursor.after_comma = false;
	if (!s.empty()) {
		if (s.front() != ',') {
			*error = "names must be separated by commas";
			return NameToken::Error;
		}
		s.remove_prefix(1);
		cursor.after_comma = true;
	}
	cursor.seen_any = true;
	return NameToken::Name;
}

} // namespace walcast
