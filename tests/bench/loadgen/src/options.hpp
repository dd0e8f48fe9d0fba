#pragma once
// `walcast-loadgen MODE --name value ...`: every option is a name/value pair; --watch may repeat.

#include <map>
#include <string>
#include <vector>

namespace loadgen {

class Options {
public:
	// Throws std::invalid_argument naming the bad argument.
	Options(int argc, char** argv);
	const std::string& mode() const { return mode_; }
	std::string Str(const std::string& name, const std::string& fallback) const;
	std::string Required(const std::string& name) const;
	double Num(const std::string& name, double fallback) const;
	long long Int(const std::string& name, long long fallback) const;
	const std::vector<std::string>& All(const std::string& name) const;

private:
	std::string mode_;
	std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace loadgen
