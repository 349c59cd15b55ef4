#pragma once
// HTML built so that unescaped text cannot reach the page: markup comes only from string
// literals in this program (a `Markup` is constructible from a literal alone, at compile time),
// and every runtime string (console lines, build logs, cell names, paths) goes through
// HtmlEscape on its way in. There is no way to append a runtime string unescaped.
#include <initializer_list>
#include <string>
#include <string_view>

namespace harness {

// &, <, >, " and ' as entities; bytes that are not printable ASCII (line breaks aside) as \xNN
// (Printable), so a
// guest's or a build log's bytes can neither open a tag, end an attribute nor break the encoding.
std::string HtmlEscape(std::string_view untrusted);

// A piece of markup written in this program's source: tag names, attribute names, CSS.
class Markup {
 public:
  template <std::size_t N>
  consteval Markup(const char (&literal)[N]) : text_(literal, N - 1) {}
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

// An attribute: its name is markup, its value is escaped.
struct Attr {
  Markup name;
  std::string_view value;
};

class Html {
 public:
  // Runtime text, escaped.
  Html& Text(std::string_view untrusted);
  // Fixed markup from the source.
  Html& Raw(Markup markup);
  // Another fragment, itself built by these functions.
  Html& Append(const Html& fragment);
  // <tag a="v" ...>, values escaped.
  Html& Open(Markup tag, std::initializer_list<Attr> attrs = {});
  Html& Close(Markup tag);
  // <tag ...>text</tag>
  Html& Element(Markup tag, std::initializer_list<Attr> attrs, std::string_view untrusted_text);

  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// A relative link to a file: percent-encoded, and starting with "./" so that a file name such as
// "javascript:x" is never read as a URL scheme.
std::string RelativeHref(std::string_view relative_path);

}  // namespace harness
