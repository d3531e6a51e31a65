#include "daemon/approval.hpp"

#include <istream>
#include <ostream>
#include <string>
#include <string_view>

namespace cfsync::daemon {

Approval approval_for(const Options& options, bool interactive) {
  if (options.auto_approve || options.plan_file) return Approval::given;
  if (!interactive) return Approval::not_asked;
  if (options.output != OutputFormat::text) return Approval::json_needs;
  return Approval::ask;
}

bool ask_approval(std::istream& in, std::ostream& out) {
  out << "Do you want to apply these changes? Only 'yes' will be accepted: " << std::flush;
  std::string answer;
  if (!std::getline(in, answer)) {
    out << '\n';  // end of input: the cursor still waits after the question
    return false;
  }
  const std::string_view blanks = " \t\r";
  const std::size_t first = answer.find_first_not_of(blanks);
  if (first == std::string::npos) return false;
  const std::size_t last = answer.find_last_not_of(blanks);
  return std::string_view(answer).substr(first, last - first + 1) == "yes";
}

}  // namespace cfsync::daemon
