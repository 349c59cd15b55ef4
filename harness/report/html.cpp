#include "harness/report/html.h"

#include <cstdio>

#include "harness/core/util.h"

namespace harness {

std::string HtmlEscape(std::string_view untrusted) {
  std::string out;
  out.reserve(untrusted.size());
  std::string printable;
  for (char c : untrusted) printable += c == '\n' ? std::string(1, c) : Printable(std::string_view(&c, 1));
  for (char c : printable) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

Html& Html::Text(std::string_view untrusted) {
  out_ += HtmlEscape(untrusted);
  return *this;
}

Html& Html::Raw(Markup markup) {
  out_ += markup.text();
  return *this;
}

Html& Html::Append(const Html& fragment) {
  out_ += fragment.out_;
  return *this;
}

Html& Html::Open(Markup tag, std::initializer_list<Attr> attrs) {
  out_ += '<';
  out_ += tag.text();
  for (const auto& a : attrs) {
    out_ += ' ';
    out_ += a.name.text();
    out_ += "=\"";
    out_ += HtmlEscape(a.value);
    out_ += '"';
  }
  out_ += '>';
  return *this;
}

Html& Html::Close(Markup tag) {
  out_ += "</";
  out_ += tag.text();
  out_ += '>';
  return *this;
}

Html& Html::Element(Markup tag, std::initializer_list<Attr> attrs, std::string_view untrusted_text) {
  return Open(tag, attrs).Text(untrusted_text).Close(tag);
}

std::string RelativeHref(std::string_view relative_path) {
  std::string out = relative_path.starts_with("./") || relative_path.starts_with("../") ? "" : "./";
  for (unsigned char c : relative_path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                       c == '.' || c == '-' || c == '_' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace harness
