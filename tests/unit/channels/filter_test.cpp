#include "channels/filter.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "channels/like_pattern.hpp"
#include "channels/typed_value.hpp"

namespace walcast::channels {
namespace {

namespace json = boost::json;

// A row and its columns as the plugin emits them (typed JSON values, pg type names).
struct Row {
	json::object record;
	json::array columns;
};

Row MakeRow() {
	Row row;
	row.record = json::parse(R"({"id": 10, "big": 9223372036854775807, "price": "12.50", "ratio": 0.1,
		"name": "Alice", "code": "10", "active": true, "flag_text": "t", "note": null,
		"uid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "at": "2025-11-03T09:32:55+00:00",
		"status": "on hold"})").as_object();
	row.columns = json::parse(R"([{"name":"id","type":"int4"},{"name":"big","type":"int8"},
		{"name":"price","type":"numeric"},{"name":"ratio","type":"float8"},{"name":"name","type":"text"},
		{"name":"code","type":"text"},{"name":"active","type":"bool"},{"name":"flag_text","type":"bool"},
		{"name":"note","type":"text"},{"name":"uid","type":"uuid"},{"name":"at","type":"timestamptz"},
		{"name":"status","type":"varchar"}])").as_array();
	return row;
}

bool Matches(std::string_view filter_text, const Row& row = MakeRow()) {
	std::string error;
	auto filter = ParseFilter(filter_text, error);
	EXPECT_TRUE(filter) << filter_text << ": " << error;
	if (!filter) return false;
	return filter->Matches(row.record, &row.columns);
}

std::string ParseErrorOf(std::string_view filter_text) {
	std::string error;
	auto filter = ParseFilter(filter_text, error);
	EXPECT_FALSE(filter) << filter_text;
	return error;
}

TEST(Filter, EmptyFilterMatchesEverything) {
	EXPECT_TRUE(Matches(""));
	EXPECT_TRUE(Matches("   "));
}

TEST(Filter, NumbersCompareAsNumbersNotText) {
	EXPECT_TRUE(Matches("id=eq.10"));
	EXPECT_TRUE(Matches("id=eq.10.0"));
	EXPECT_TRUE(Matches("id=eq.1e1"));
	EXPECT_FALSE(Matches("id=eq.1"));
	EXPECT_TRUE(Matches("id=gt.9"));   // as text "10" < "9"
	EXPECT_FALSE(Matches("id=lt.9"));
	EXPECT_TRUE(Matches("id=lte.10"));
	EXPECT_TRUE(Matches("id=gte.10"));
	EXPECT_FALSE(Matches("id=gt.10"));
	EXPECT_TRUE(Matches("id=neq.11"));
	EXPECT_FALSE(Matches("id=neq.10"));
	// The text column holding "10" compares as text.
	EXPECT_TRUE(Matches("code=lt.9"));
	EXPECT_FALSE(Matches("code=eq.10.0"));
}

TEST(Filter, Int8ExtremesAreExact) {
	EXPECT_TRUE(Matches("big=eq.9223372036854775807"));
	EXPECT_FALSE(Matches("big=eq.9223372036854775806"));  // would be equal as a double
	EXPECT_TRUE(Matches("big=gt.9223372036854775806"));
}

TEST(Filter, NumericStringsAndFloats) {
	EXPECT_TRUE(Matches("price=eq.12.5"));
	EXPECT_TRUE(Matches("price=gt.12.49999999999999999999"));
	EXPECT_TRUE(Matches("price=lt.100"));
	EXPECT_TRUE(Matches("ratio=eq.0.1"));
	EXPECT_TRUE(Matches("ratio=gt.-5"));
	EXPECT_FALSE(Matches("ratio=gt.0.1"));
}

TEST(Filter, BooleansCompareAsBooleans) {
	EXPECT_TRUE(Matches("active=eq.true"));
	EXPECT_TRUE(Matches("active=eq.t"));
	EXPECT_FALSE(Matches("active=eq.false"));
	EXPECT_TRUE(Matches("flag_text=eq.true"));  // "t" rendered as text
	EXPECT_TRUE(Matches("active=is.true"));
	EXPECT_FALSE(Matches("active=is.false"));
}

TEST(Filter, TextUuidAndTimestamps) {
	EXPECT_TRUE(Matches("name=eq.Alice"));
	EXPECT_FALSE(Matches("name=eq.alice"));
	EXPECT_TRUE(Matches("name=gt.Aaron"));
	EXPECT_TRUE(Matches("uid=eq.A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"));
	EXPECT_TRUE(Matches("at=gt.2025-11-03 09:00:00+00:00"));
	EXPECT_TRUE(Matches("at=eq.2025-11-03 09:32:55+00:00"));
	EXPECT_FALSE(Matches("at=gt.2025-11-04"));
}

TEST(Filter, NotPrefixNegates) {
	EXPECT_FALSE(Matches("id=not.eq.10"));
	EXPECT_TRUE(Matches("id=not.eq.11"));
	EXPECT_TRUE(Matches("name=not.in.(Bob,Carol)"));
	EXPECT_FALSE(Matches("name=not.like.Al*"));
}

TEST(Filter, InWithNumbersAndQuotedValues) {
	EXPECT_TRUE(Matches("id=in.(1,2,10)"));
	EXPECT_TRUE(Matches("id=in.(10.0)"));
	EXPECT_FALSE(Matches("id=in.(1,2,3)"));
	EXPECT_TRUE(Matches(R"(status=in.(open,"on hold"))"));
	EXPECT_TRUE(Matches(R"(name=in.("a,b",Alice))"));
	EXPECT_FALSE(Matches(R"(name=in.("Alice,Bob"))"));
	EXPECT_FALSE(Matches("id=in.()"));
}

TEST(Filter, LikeAndIlike) {
	EXPECT_TRUE(Matches("name=like.A%"));
	EXPECT_TRUE(Matches("name=like.A*"));
	EXPECT_TRUE(Matches("name=like.%lic%"));
	EXPECT_TRUE(Matches("name=like.Al_ce"));
	EXPECT_FALSE(Matches("name=like.al%"));
	EXPECT_TRUE(Matches("name=ilike.al%"));
	EXPECT_TRUE(Matches("name=ilike.*ICE"));
	EXPECT_FALSE(Matches("name=like.Alic"));
	EXPECT_TRUE(LikeMatch("50%", "50\\%", false));
	EXPECT_FALSE(LikeMatch("500", "50\\%", false));
	EXPECT_TRUE(LikeMatch("é", "_", false));  // one character, two bytes
	EXPECT_TRUE(LikeMatch("", "%", false));
	EXPECT_TRUE(LikeMatch("abcabd", "%ab_", false));
}

TEST(Filter, NullsNeverMatchExceptIs) {
	EXPECT_TRUE(Matches("note=is.null"));
	EXPECT_FALSE(Matches("note=is.not_null"));
	EXPECT_TRUE(Matches("name=is.not_null"));
	EXPECT_FALSE(Matches("name=is.null"));
	EXPECT_FALSE(Matches("note=eq.x"));
	EXPECT_FALSE(Matches("note=neq.x"));
	EXPECT_FALSE(Matches("note=not.eq.x"));  // NOT NULL is still NULL
	EXPECT_FALSE(Matches("note=in.(x)"));
	EXPECT_TRUE(Matches("note=isdistinct.x"));
	EXPECT_FALSE(Matches("name=isdistinct.Alice"));
}

TEST(Filter, MissingColumnNeverMatches) {
	EXPECT_FALSE(Matches("nope=eq.1"));
	EXPECT_FALSE(Matches("nope=not.eq.1"));
	EXPECT_FALSE(Matches("nope=is.null"));
}

TEST(Filter, CommaSeparatedConditionsAreAnded) {
	EXPECT_TRUE(Matches("id=gt.0,id=lt.100"));
	EXPECT_FALSE(Matches("id=gt.0,id=lt.5"));
	EXPECT_TRUE(Matches("id=in.(1,10),name=eq.Alice"));
	// A comma that does not start a new condition belongs to the value (older single-filter clients).
	Row row = MakeRow();
	row.record["name"] = "Smith, John";
	EXPECT_TRUE(Matches("name=eq.Smith, John", row));
}

TEST(Filter, TypesInferredWithoutColumns) {
	std::string error;
	auto filter = ParseFilter("id=gt.9", error);
	ASSERT_TRUE(filter);
	auto record = json::parse(R"({"id": 10})").as_object();
	EXPECT_TRUE(filter->Matches(record, nullptr));
}

TEST(Filter, ParseErrors) {
	EXPECT_EQ(ParseErrorOf("undefined"), R"(Error parsing `filter` params: ["undefined"])");
	EXPECT_EQ(ParseErrorOf("foo=hey"), R"(Error parsing `filter` params: ["foo", "hey"])");
	EXPECT_EQ(ParseErrorOf("id=between.1"), R"(Error parsing `filter` params: ["id", "between", "1"])");
	EXPECT_NE(ParseErrorOf("id=in.1,2").find("must be wrapped by parentheses"), std::string::npos);
	EXPECT_NE(ParseErrorOf("id=is.maybe").find("`is`"), std::string::npos);
	EXPECT_NE(ParseErrorOf("=eq.1").find("Error parsing"), std::string::npos);
	std::string many = "id=in.(";
	for (int i = 0; i < 101; ++i) many += (i ? "," : "") + std::to_string(i);
	EXPECT_EQ(ParseErrorOf(many + ")"), "too many values for `in` filter. Maximum 100");
	many = "id=in.(";
	for (int i = 0; i < 100; ++i) many += (i ? "," : "") + std::to_string(i);
	std::string error;
	EXPECT_TRUE(ParseFilter(many + ")", error));
}

// ---- limits (FilterLimits): each at its edge, with the default values and with configured ones ----

std::string ConditionsFilter(std::size_t count) {
	std::string text;
	for (std::size_t i = 0; i < count; ++i) text += (i ? "," : "") + std::string("id=gt.") + std::to_string(i);
	return text;
}

TEST(FilterLimits, DefaultsAreFarAboveRealtimeFilters) {
	FilterLimits limits;
	EXPECT_EQ(limits.max_bytes, 16384u);
	EXPECT_EQ(limits.max_conditions, 16u);
	EXPECT_EQ(limits.max_like_pattern_bytes, 256u);
	// An `in` of the most values allowed, each a quoted UUID, fits several times over.
	std::string in = "uid=in.(";
	for (std::size_t i = 0; i < kMaxInValues; ++i) in += (i ? "," : "") + std::string("\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
	in += ")";
	EXPECT_LT(in.size() * 4, limits.max_bytes);
	EXPECT_TRUE(Matches(in));
}

TEST(FilterLimits, FilterBytesAtTheLimitAcceptedOneOverRejected) {
	std::string at_limit = "name=eq." + std::string(16384 - 8, 'x');
	ASSERT_EQ(at_limit.size(), 16384u);
	EXPECT_FALSE(Matches(at_limit));  // parses, and is compared like any other value
	EXPECT_EQ(ParseErrorOf(at_limit + "x"), "filter too long: 16385 bytes. Maximum 16384 (MAX_FILTER_BYTES)");

	FilterLimits limits;
	limits.max_bytes = 12;
	std::string error;
	EXPECT_TRUE(ParseFilter("name=eq.Bob", error, limits));   // 11 bytes
	EXPECT_TRUE(ParseFilter("name=eq.Bobo", error, limits));  // 12
	EXPECT_FALSE(ParseFilter("name=eq.Bobby", error, limits));
	EXPECT_EQ(error, "filter too long: 13 bytes. Maximum 12 (MAX_FILTER_BYTES)");
	// Whitespace counts: the limit is on what the client sent.
	EXPECT_FALSE(ParseFilter(std::string(13, ' '), error, limits));
}

TEST(FilterLimits, ConditionsAtTheLimitAcceptedOneOverRejected) {
	EXPECT_FALSE(Matches(ConditionsFilter(16)));  // parses (id=gt.15 is false for id 10)
	EXPECT_TRUE(Matches(ConditionsFilter(10)));
	EXPECT_EQ(ParseErrorOf(ConditionsFilter(17)), "too many conditions in `filter`: 17. Maximum 16 (MAX_FILTER_CONDITIONS)");

	FilterLimits limits;
	limits.max_conditions = 1;  // Realtime's own filters
	std::string error;
	EXPECT_TRUE(ParseFilter("id=eq.1", error, limits));
	EXPECT_TRUE(ParseFilter("name=eq.Smith, John", error, limits));  // a comma inside a value is no condition
	EXPECT_FALSE(ParseFilter("id=gt.0,id=lt.9", error, limits));
	EXPECT_EQ(error, "too many conditions in `filter`: 2. Maximum 1 (MAX_FILTER_CONDITIONS)");
}

TEST(FilterLimits, LikePatternAtTheLimitAcceptedOneOverRejected) {
	std::string pattern(255, '%');
	EXPECT_TRUE(Matches("name=like." + pattern + "e"));  // 256 bytes
	EXPECT_EQ(ParseErrorOf("name=like." + pattern + "ce"),
	          "`like` pattern too long: 257 bytes. Maximum 256 (MAX_LIKE_PATTERN_BYTES)");
	EXPECT_EQ(ParseErrorOf("name=not.ilike." + pattern + "ce"),
	          "`ilike` pattern too long: 257 bytes. Maximum 256 (MAX_LIKE_PATTERN_BYTES)");
	// The pattern is measured as matched: without the quotes around it.
	EXPECT_TRUE(Matches("name=like.\"" + pattern + "e\""));

	FilterLimits limits;
	limits.max_like_pattern_bytes = 3;
	std::string error;
	EXPECT_TRUE(ParseFilter("name=ilike.al%", error, limits));
	EXPECT_FALSE(ParseFilter("name=ilike.ali%", error, limits));
	EXPECT_EQ(error, "`ilike` pattern too long: 4 bytes. Maximum 3 (MAX_LIKE_PATTERN_BYTES)");
	EXPECT_TRUE(ParseFilter("name=eq.Alice", error, limits));  // other operators are not patterns
}

// A like pattern of the longest allowed size against a 50 KB column, the case that used to take seconds.
TEST(FilterLimits, WorstLikeAtTheCapStillAnswersCorrectly) {
	std::string pattern;
	while (pattern.size() < 254) pattern += "%a";
	pattern += "%b";
	Row row = MakeRow();
	row.record["name"] = std::string(50'000, 'a');
	EXPECT_FALSE(Matches("name=like." + pattern, row));
	row.record["name"] = std::string(50'000, 'a') + "b";
	EXPECT_TRUE(Matches("name=like." + pattern, row));
}

TEST(TypedValue, DecimalOrdering) {
	auto cmp = [](std::string_view a, std::string_view b) { return CompareDecimal(*ParseDecimal(a), *ParseDecimal(b)); };
	EXPECT_EQ(cmp("0", "-0.000"), 0);
	EXPECT_LT(cmp("-2", "-1"), 0);
	EXPECT_GT(cmp("100", "99.999"), 0);
	EXPECT_EQ(cmp("1.50", "1.5"), 0);
	EXPECT_LT(cmp("0.001", "0.01"), 0);
	EXPECT_GT(cmp("NaN", "Infinity"), 0);
	EXPECT_LT(cmp("-Infinity", "-1e300"), 0);
	EXPECT_EQ(cmp("12345678901234567890123", "1.2345678901234567890123e22"), 0);
	EXPECT_FALSE(ParseDecimal("1x"));
	EXPECT_FALSE(ParseDecimal("."));
	EXPECT_FALSE(ParseDecimal("1e"));
}

}  // namespace
}  // namespace walcast::channels
