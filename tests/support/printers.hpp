// How doctest prints values in failed assertions. A cfsync Result prints its error's message
// (boost::system::result's own operator<< would not compile unless T is printable).
#pragma once

#include "reconcile/result.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace doctest {

template <class T>
struct StringMaker<boost::system::result<T, cfsync::Error>> {
  static String convert(const boost::system::result<T, cfsync::Error>& result) {
    if (result) return "a value";
    const cfsync::Error& error = result.error();
    std::string text = "error: " + error.describe();
    for (const std::string& line : error.details) text += "\n  " + line;
    return text.c_str();
  }
};

template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& lines) {
    std::string text = "{";
    for (const std::string& line : lines) text += "\n  \"" + line + "\"";
    text += lines.empty() ? "}" : "\n}";
    return text.c_str();
  }
};

}  // namespace doctest
