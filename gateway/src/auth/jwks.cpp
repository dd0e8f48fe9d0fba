#include "auth/jwks.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <boost/json/parse.hpp>

#include "auth/jwk_import.hpp"

namespace walcast::auth {
namespace {

// A JWKS with a few dozen keys is tens of KiB; a file far larger is not one (a wrong path, a log file).
constexpr std::size_t kMaxJwksFileBytes = 1 << 20;

std::string KeyName(std::size_t index, const boost::json::object& jwk) {
	std::string name = "JWT_JWKS key " + std::to_string(index);
	const auto* kid = jwk.if_contains("kid");
	if (kid && kid->is_string()) name += " (kid " + std::string(kid->get_string()) + ")";
	return name;
}

std::optional<std::string> ReadFile(const std::string& path, std::string& error) {
	std::ifstream file(path, std::ios::binary);
	if (!file) {
		error = "JWT_JWKS: cannot read " + path + ": " + std::strerror(errno);
		return std::nullopt;
	}
	std::string text;
	char buffer[8192];
	while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
		text.append(buffer, static_cast<std::size_t>(file.gcount()));
		if (text.size() > kMaxJwksFileBytes) {
			error = "JWT_JWKS: " + path + " is over " + std::to_string(kMaxJwksFileBytes) + " bytes, not a JWKS";
			return std::nullopt;
		}
	}
	if (file.bad()) {
		error = "JWT_JWKS: cannot read " + path;
		return std::nullopt;
	}
	return text;
}

}  // namespace

std::optional<std::vector<VerificationKey>> ParseJwks(std::string_view json, std::string& error) {
	boost::system::error_code ec;
	const auto document = boost::json::parse(json, ec);
	if (ec) {
		error = "JWT_JWKS is not valid JSON: " + ec.message();
		return std::nullopt;
	}
	const auto* keys = document.is_object() ? document.get_object().if_contains("keys") : nullptr;
	if (!keys || !keys->is_array()) {
		error = "JWT_JWKS is not a JWKS (a JSON object with a \"keys\" array)";
		return std::nullopt;
	}
	std::vector<VerificationKey> usable;
	std::string skipped;
	std::size_t index = 0;
	for (const auto& entry : keys->get_array()) {
		if (!entry.is_object()) {
			error = "JWT_JWKS key " + std::to_string(index) + " is not a JSON object";
			return std::nullopt;
		}
		auto import = ImportJwk(entry.get_object());
		const std::string name = KeyName(index, entry.get_object());
		++index;
		if (import.status == JwkImport::Status::invalid) {
			error = name + " " + import.reason;
			return std::nullopt;
		}
		if (import.status == JwkImport::Status::skipped) {
			skipped += (skipped.empty() ? "" : "; ") + name + " " + import.reason;
			continue;
		}
		// With two such keys a kid would not say which one signed; a rotation gives the new key a new kid.
		for (const auto& other : usable)
			if (!other.kid.empty() && other.kid == import.key.kid && other.type == import.key.type &&
					other.curve == import.key.curve) {
				error = name + " has the same kid and type as an earlier key";
				return std::nullopt;
			}
		usable.push_back(std::move(import.key));
	}
	if (usable.empty()) {
		error = "JWT_JWKS has no usable key" + (skipped.empty() ? std::string() : " (" + skipped + ")");
		return std::nullopt;
	}
	return usable;
}

std::optional<std::vector<VerificationKey>> LoadJwks(std::string_view setting, std::string& error) {
	const auto start = setting.find_first_not_of(" \t\r\n");
	if (start != std::string_view::npos && setting[start] == '{') return ParseJwks(setting, error);
	auto text = ReadFile(std::string(setting), error);
	if (!text) return std::nullopt;
	return ParseJwks(*text, error);
}

}  // namespace walcast::auth
