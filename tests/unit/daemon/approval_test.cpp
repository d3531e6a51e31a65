#include "daemon/approval.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

#include <sstream>

namespace cfsync::daemon {
namespace {

TEST_CASE("apply asks on a terminal only, unless approved beforehand") {
  Options options;
  options.command = Command::apply;
  CHECK(approval_for(options, true) == Approval::ask);
  CHECK(approval_for(options, false) == Approval::not_asked);
  Options json = options;
  json.output = OutputFormat::json;
  CHECK(approval_for(json, true) == Approval::json_needs);
  CHECK(approval_for(json, false) == Approval::not_asked);
  Options automatic = options;
  automatic.auto_approve = true;
  CHECK(approval_for(automatic, true) == Approval::given);
  CHECK(approval_for(automatic, false) == Approval::given);
  // A saved plan was reviewed when it was saved.
  Options saved = options;
  saved.plan_file = "plan.json";
  CHECK(approval_for(saved, true) == Approval::given);
}

TEST_CASE("only yes approves") {
  auto answer = [](const std::string& typed) {
    std::istringstream in(typed);
    std::ostringstream out;
    const bool yes = ask_approval(in, out);
    CHECK(
        out.str().starts_with("Do you want to apply these changes? Only 'yes' will be accepted: "));
    return yes;
  };
  CHECK(answer("yes\n"));
  CHECK(answer("  yes \r\n"));
  CHECK(answer("yes"));
  CHECK_FALSE(answer("no\n"));
  CHECK_FALSE(answer("y\n"));
  CHECK_FALSE(answer("YES\n"));
  CHECK_FALSE(answer("yes please\n"));
  CHECK_FALSE(answer("\n"));
  CHECK_FALSE(answer(""));  // end of input
}

}  // namespace
}  // namespace cfsync::daemon
