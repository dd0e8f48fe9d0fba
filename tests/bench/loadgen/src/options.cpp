#include "options.hpp"

#include <stdexcept>

namespace loadgen {

Options::Options(int argc, char** argv) {
	if (argc < 2) throw std::invalid_argument("missing mode (e2e, idle, commits, joins or broadcast)");
	mode_ = argv[1];
	for (int i = 2; i < argc; i += 2) {
		const std::string name = argv[i];
		if (name.rfind("--", 0) != 0) throw std::invalid_argument("expected --name, got '" + name + "'");
		if (i + 1 >= argc) throw std::invalid_argument(name + ": missing value");
		values_[name.substr(2)].push_back(argv[i + 1]);
	}
}

std::string Options::Str(const std::string& name, const std::string& fallback) const {
	auto it = values_.find(name);
	return it == values_.end() ? fallback : it->second.back();
}

std::string Options::Required(const std::string& name) const {
	auto it = values_.find(name);
	if (it == values_.end()) throw std::invalid_argument("--" + name + " is required");
	return it->second.back();
}

double Options::Num(const std::string& name, double fallback) const {
	auto it = values_.find(name);
	if (it == values_.end()) return fallback;
	try {
		return std::stod(it->second.back());
	} catch (const std::exception&) {
		throw std::invalid_argument("--" + name + ": not a number: '" + it->second.back() + "'");
	}
}

long long Options::Int(const std::string& name, long long fallback) const {
	auto it = values_.find(name);
	if (it == values_.end()) return fallback;
	try {
		return std::stoll(it->second.back());
	} catch (const std::exception&) {
		throw std::invalid_argument("--" + name + ": not an integer: '" + it->second.back() + "'");
	}
}

const std::vector<std::string>& Options::All(const std::string& name) const {
	static const std::vector<std::string> none;
	auto it = values_.find(name);
	return it == values_.end() ? none : it->second;
}

}  // namespace loadgen
