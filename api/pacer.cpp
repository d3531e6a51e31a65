#include "api/pacer.hpp"

#include "api/retry.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace cfsync::api {

namespace {

using namespace std::chrono_literals;

// Our clock and the API's may disagree a little, and a request is counted when it arrives, not
// when it leaves: a freed slot is used this much later.
constexpr auto k_margin = 1s;

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Numbers in headers may be any length: they saturate (parse_count), then here at the bounds the
// pacer computes with.
std::optional<std::int64_t> number(std::string_view text) { return parse_count(trimmed(text)); }

std::int64_t saturated_requests(std::int64_t count) { return std::min(count, k_most_requests); }

std::chrono::seconds saturated_seconds(std::int64_t count) {
  return std::chrono::duration_cast<std::chrono::seconds>(saturated_span(count, 1s));
}

// One member of a structured-field list (RFC 9651): `"name";key=value;key=value`.
struct ListMember {
  std::string name;
  std::map<std::string, std::int64_t, std::less<>> parameters;
};

std::vector<ListMember> parse_list(std::string_view text) {
  std::vector<ListMember> members;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view member = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    ListMember out;
    bool first = true;
    while (!member.empty()) {
      const std::size_t semicolon = member.find(';');
      const std::string_view part = trimmed(member.substr(0, semicolon));
      member =
          semicolon == std::string_view::npos ? std::string_view() : member.substr(semicolon + 1);
      if (first) {
        first = false;
        std::string_view name = part;
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
          name = name.substr(1, name.size() - 2);
        }
        out.name = std::string(name);
        continue;
      }
      const std::size_t equals = part.find('=');
      if (equals == std::string_view::npos) continue;
      if (auto value = number(part.substr(equals + 1))) {
        out.parameters.emplace(std::string(trimmed(part.substr(0, equals))), *value);
      }
    }
    members.push_back(std::move(out));
  }
  return members;
}

std::optional<std::int64_t> parameter(const ListMember& member, std::string_view key) {
  const auto found = member.parameters.find(key);
  if (found == member.parameters.end()) return std::nullopt;
  return found->second;
}

// `Ratelimit` and `Ratelimit-Policy`: the member with the fewest requests left decides, with
// the policy of the same name.
void read_structured(const HttpResponse& response, BudgetReport& report) {
  const std::vector<ListMember> left = parse_list(response.header("ratelimit"));
  const ListMember* tightest = nullptr;
  for (const ListMember& member : left) {
    const auto r = parameter(member, "r");
    if (!r) continue;
    if (tightest == nullptr || *r < *parameter(*tightest, "r")) tightest = &member;
  }
  if (tightest != nullptr) {
    report.remaining = saturated_requests(*parameter(*tightest, "r"));
    if (auto t = parameter(*tightest, "t")) report.reset = saturated_span(*t, 1s);
  }
  for (const ListMember& member : parse_list(response.header("ratelimit-policy"))) {
    const auto q = parameter(member, "q");
    const auto w = parameter(member, "w");
    if (!q || !w || *q <= 0 || *w <= 0) continue;
    if (report.policy && (tightest == nullptr || member.name != tightest->name)) continue;
    report.policy = RateLimit{static_cast<int>(saturated_requests(*q)), saturated_seconds(*w)};
  }
}

// The older `X-RateLimit-*` headers; the reset is a date, epoch seconds or seconds to go.
void read_legacy(const HttpResponse& response, BudgetReport& report,
                 std::chrono::system_clock::time_point now) {
  if (auto remaining = number(response.header("x-ratelimit-remaining"))) {
    report.remaining = saturated_requests(*remaining);
  }
  const std::string_view reset = response.header("x-ratelimit-reset");
  if (auto count = number(reset)) {
    constexpr std::int64_t k_epoch_threshold = 1'000'000'000;  // 2001: a date, not a delay
    report.reset = *count >= k_epoch_threshold ? wait_until(from_epoch_seconds(*count), now)
                                               : saturated_span(*count, 1s);
  } else if (auto date = parse_http_date(trimmed(reset))) {
    report.reset = wait_until(*date, now);
  }
}

}  // namespace

Result<RateLimit> parse_rate_limit(std::string_view text) {
  const auto wrong = [&] {
    return Error(ErrorKind::usage, "rate limit \"" + std::string(text) +
                                       "\" is not REQUESTS/PERIOD, such as 1200/300s or 1200/5m");
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || text.size() < slash + 3) return wrong();
  const auto count = number(text.substr(0, slash));
  const char unit = text.back();
  const auto period = number(text.substr(slash + 1, text.size() - slash - 2));
  if (!count || !period || *count == 0 || *period == 0 || *count > k_most_requests) {
    return wrong();
  }
  std::chrono::seconds unit_length{0};
  if (unit == 's') {
    unit_length = 1s;
  } else if (unit == 'm') {
    unit_length = 1min;
  } else if (unit == 'h') {
    unit_length = 1h;
  } else {
    return wrong();
  }
  if (*period > k_longest_span / unit_length) {
    const auto hours = std::chrono::floor<std::chrono::hours>(k_longest_span).count();
    return Error(ErrorKind::usage, "rate limit \"" + std::string(text) +
                                       "\": the period is longer than " + std::to_string(hours) +
                                       "h");
  }
  return RateLimit{static_cast<int>(*count), *period * unit_length};
}

BudgetReport read_budget(const HttpResponse& response, std::chrono::system_clock::time_point now) {
  BudgetReport report;
  read_structured(response, report);
  if (!report.remaining) read_legacy(response, report, now);
  if (!report.policy) {
    if (auto limit = number(response.header("x-ratelimit-limit")); limit && *limit > 0) {
      // The old headers name no window: Cloudflare's is five minutes.
      report.policy =
          RateLimit{static_cast<int>(saturated_requests(*limit)), std::chrono::seconds(300)};
    }
  }
  return report;
}

Pacer::Pacer(RateLimit limit, std::chrono::milliseconds max_server_wait)
    : m_limit(limit), m_max_server_wait(max_server_wait) {}

void Pacer::forget_before(TimePoint now) {
  auto longest = m_limit.window;
  if (m_policy) longest = std::max(longest, m_policy->window);
  while (!m_sent.empty() && m_sent.front() + longest + k_margin <= now) m_sent.pop_front();
  if (m_budget && now >= m_budget->reset_at + k_margin) m_budget.reset();  // a new window
}

std::optional<Pacer::TimePoint> Pacer::window_full_until(const RateLimit& limit,
                                                         TimePoint now) const {
  const auto in_window = static_cast<std::size_t>(
      m_sent.end() - std::upper_bound(m_sent.begin(), m_sent.end(), now - limit.window - k_margin));
  if (in_window < static_cast<std::size_t>(limit.requests)) return std::nullopt;
  // The slot of the request `limit.requests` back frees first.
  return m_sent[m_sent.size() - static_cast<std::size_t>(limit.requests)] + limit.window;
}

std::int64_t Pacer::budget_left(const Budget& budget) const {
  return budget.remaining - static_cast<std::int64_t>(m_tickets - budget.ticket);
}

std::int64_t Pacer::reserve(TimePoint now) const {
  // Room for other clients of the same token between two answers, and for rounding.
  const int quota = m_policy ? m_policy->requests : m_limit.requests;
  std::int64_t kept = std::max(1, quota / 50);
  if (m_budget && m_others_per_second > 0) {
    const double seconds = std::chrono::duration<double>(m_budget->reset_at - now).count();
    kept += static_cast<std::int64_t>(std::ceil(m_others_per_second * std::max(0.0, seconds)));
  }
  return kept;
}

void Pacer::learn_others(const Budget& budget, TimePoint now) {
  if (!m_window || budget.reset_at > m_window->budget.reset_at + k_margin) {
    // A new window: keep the rate learnt in the last one.
    m_window = WindowStart{budget, now, m_in_flight};
    return;
  }
  const WindowStart& start = *m_window;
  // Measured over a tenth of the window (at most 5 s), as the estimate is multiplied by the
  // time left to the reset.
  const RateLimit& limit = m_policy ? *m_policy : m_limit;
  const auto enough = std::min<std::chrono::steady_clock::duration>(5s, limit.window / 10);
  if (budget.ticket <= start.budget.ticket || now - start.seen < enough) return;
  // What the API counted between the two answers, less our own requests in between. Ours reach
  // the API in any order: those in flight at either answer may be on either side of it.
  const std::int64_t spent = start.budget.remaining - budget.remaining;
  const auto ours = static_cast<std::int64_t>(budget.ticket - start.budget.ticket);
  const std::int64_t others = spent - ours - start.in_flight - m_in_flight;
  const double seconds = std::chrono::duration<double>(now - start.seen).count();
  m_others_per_second = static_cast<double>(std::max<std::int64_t>(0, others)) / seconds;
}

std::optional<Pacer::TimePoint> Pacer::spread_until(std::int64_t usable, TimePoint now) const {
  // A quarter of the quota may go at once; the rest is spent evenly up to the reset, so that
  // what others spend later in the window is still there for them. Sending now is fine while
  // what stays usable covers the paced share of the time left:
  // usable - 1 >= 3/4 quota × left / window. Counts and times saturate when they are read
  // (k_most_requests, k_longest_span), so these products stay below 2^62.
  const RateLimit& limit = m_policy ? *m_policy : m_limit;
  const std::int64_t window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(limit.window).count();
  const std::int64_t paced = 3 * static_cast<std::int64_t>(limit.requests);  // quarters
  const std::int64_t left_ms = std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(m_budget->reset_at - now).count());
  const std::int64_t spare = (usable - 1) * window_ms * 4;
  if (spare >= paced * left_ms) return std::nullopt;
  return m_budget->reset_at - std::chrono::milliseconds(spare / paced);
}

Result<Pacer::Slot> Pacer::next_slot(TimePoint now) {
  forget_before(now);
  // What the API's answers ask for, as the API counts (`asked`), and with cfsync's margin for
  // clocks that disagree (`api`): a 429's hold, the API's own policy, its count of what is left.
  TimePoint asked = std::max(now, m_hold_until);
  TimePoint api = asked;
  if (m_policy) {
    if (auto full = window_full_until(*m_policy, now)) {
      asked = std::max(asked, *full);
      api = std::max(api, *full + k_margin);
    }
  }
  if (m_budget) {
    const std::int64_t usable = budget_left(*m_budget) - reserve(now);
    if (usable <= 0) {
      asked = std::max(asked, m_budget->reset_at);
      api = std::max(api, m_budget->reset_at + k_margin);
    } else if (auto spread = spread_until(usable, now)) {
      asked = std::max(asked, *spread);
      api = std::max(api, *spread);
    }
  }
  // Past the longest wait cfsync accepts, the request fails rather than stall the run (a reset
  // an hour or a century away): the caller says what the API asked.
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(asked - now);
  if (wait > m_max_server_wait) {
    const std::string why =
        m_hold_until >= asked
            ? "the API asked every request to wait " + describe_wait(wait) +
                  " (retry-after of a 429)"
            : "the API's rate-limit headers leave no request for " + describe_wait(wait);
    return Error(ErrorKind::protocol, why + ", longer than cfsync waits for the API (" +
                                          describe_wait(m_max_server_wait) + ")");
  }
  TimePoint slot = api;
  if (auto full = window_full_until(m_limit, now)) slot = std::max(slot, *full + k_margin);
  return Slot{slot, api};
}

std::uint64_t Pacer::take(TimePoint now) {
  m_sent.push_back(std::max(now, m_sent.empty() ? now : m_sent.back()));
  ++m_in_flight;
  return ++m_tickets;
}

void Pacer::settled() { m_in_flight = std::max<std::int64_t>(0, m_in_flight - 1); }

void Pacer::observe(std::uint64_t ticket, const BudgetReport& report, TimePoint now) {
  if (report.policy) m_policy = report.policy;
  if (!report.remaining) return;
  const TimePoint reset_at =
      now + (report.reset ? *report.reset : std::chrono::milliseconds(m_limit.window));
  // Answers arrive out of order: the one about the latest request knows the most, unless a new
  // window began since.
  if (m_budget && ticket < m_budget->ticket && reset_at <= m_budget->reset_at + k_margin) return;
  m_budget = Budget{*report.remaining, ticket, reset_at};
  learn_others(*m_budget, now);
}

void Pacer::hold(TimePoint until) { m_hold_until = std::max(m_hold_until, until); }

std::int64_t Pacer::remaining(TimePoint now) {
  forget_before(now);
  if (m_budget) return std::max<std::int64_t>(0, budget_left(*m_budget));
  const RateLimit& limit = m_policy ? *m_policy : m_limit;
  const auto in_window = static_cast<std::int64_t>(
      m_sent.end() - std::upper_bound(m_sent.begin(), m_sent.end(), now - limit.window));
  return std::max<std::int64_t>(0, limit.requests - in_window);
}

}  // namespace cfsync::api
