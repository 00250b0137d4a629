// The flat text tree behind parse_config and import_vg_text: views into the
// text, children linked in file order, and the import's handling of
// duplicate keys and segment sections, which it must keep from the owning
// ConfigTree it replaced.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "lvm/format/config_parser.hpp"
#include "lvm/format/text_tree.hpp"
#include "lvm/format/vg_text.hpp"

using namespace udm::lvm;
using namespace udm::lvm::format;
using lvm_format_test::fixture_text;

namespace {

std::vector<std::string_view> keys_of(const TextTree& t, const TextNode& section) {
  std::vector<std::string_view> out;
  for (const TextNode& c : t.children(section)) out.push_back(c.key);
  return out;
}

}  // namespace

TEST(LvmTextTree, ChildrenInFileOrderAcrossNestedSections) {
  const std::string text =
      "a = 1\n"
      "s { x = 1\n t { y = [\"p\", 2] } z = 'q' }\n"
      "b = \"e\\\"sc\" # note\n"
      "empty { }\n";
  auto t = parse_text_tree(text);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(keys_of(*t, t->root()), (std::vector<std::string_view>{"a", "s", "b", "empty"}));
  const TextNode* s = t->find(t->root(), "s");
  ASSERT_TRUE(s && s->is_section());
  EXPECT_EQ(keys_of(*t, *s), (std::vector<std::string_view>{"x", "t", "z"}));
  const TextNode* y = t->find(*t->find(*s, "t"), "y");
  ASSERT_TRUE(y && y->value.is_array());
  const auto elems = t->elements(y->value);
  ASSERT_EQ(elems.size(), 2u);
  EXPECT_EQ(elems[0].text, "p");
  EXPECT_EQ(elems[1].integer, 2);
  // Plain strings are views into the text; escaped ones live in the tree.
  const TextNode* z = t->find(*s, "z");
  EXPECT_GE(z->value.text.data(), text.data());
  EXPECT_LT(z->value.text.data(), text.data() + text.size());
  const TextNode* b = t->find(t->root(), "b");
  EXPECT_EQ(b->value.text, "e\"sc");
  EXPECT_EQ(b->comment, "note");
  EXPECT_EQ(t->children(*t->find(t->root(), "empty")).size(), 0u);
  EXPECT_EQ(t->find(t->root(), "missing"), nullptr);
  // The owning copy is the same tree.
  auto owned = parse_config(text);
  ASSERT_TRUE(owned.has_value());
  ConfigNode root{.key = "", .is_section = true, .value = {}, .children = {}, .comment = {}};
  for (const TextNode& c : t->children(t->root())) root.children.push_back(t->to_config(c));
  EXPECT_EQ(root, owned->root);
}

TEST(LvmTextTree, ErrorsAsParseConfig) {
  for (const char* bad : {"vg {\nid = \n}\n", "a = \"unterminated", "a { b = 1", "}", "a = [1 2]", "a b"}) {
    auto t = parse_text_tree(bad);
    auto c = parse_config(bad);
    ASSERT_FALSE(t.has_value()) << bad;
    ASSERT_FALSE(c.has_value()) << bad;
    EXPECT_EQ(t.error().message, c.error().message);
  }
}

// The tree outlives moves (Result, containers): its views stay valid.
TEST(LvmTextTree, SurvivesMoves) {
  const std::string text = "k = \"with \\\\ escape\"\nl { m = 1 }\n";
  std::vector<TextTree> trees;
  for (int i = 0; i < 8; ++i) trees.push_back(std::move(parse_text_tree(text).value()));
  for (const TextTree& t : trees) {
    EXPECT_EQ(t.find(t.root(), "k")->value.text, "with \\ escape");
    EXPECT_EQ(t.find(*t.find(t.root(), "l"), "m")->value.integer, 1);
  }
}

// A key given twice: the first is read, neither is kept as unknown (as the
// ConfigTree import did); segment sections are never unknown items, the
// later of two with one number is read.
TEST(LvmTextTree, ImportKeepsDuplicateAndSegmentRules) {
  std::string text = fixture_text("fx1.vg");
  auto p = text.find("metadata_copies = 0\n");
  ASSERT_NE(p, std::string::npos);
  text.insert(p, "max_lv = 0\nextra = 1\n");  // a second max_lv, after the first
  auto vt = import_vg_text(text);
  ASSERT_TRUE(vt.has_value()) << vt.error().message;
  ASSERT_EQ(vt->vg.unknown.size(), 1u);
  EXPECT_EQ(vt->vg.unknown[0].key, "extra");

  // lv with two segments written in reverse order reads in number order.
  const std::string lvtext =
      "vg0 {\nid = \"aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa\"\nseqno = 1\nstatus = [\"READ\", \"WRITE\"]\n"
      "extent_size = 8192\nphysical_volumes {\npv0 {\nid = \"bbbbbb-bbbb-bbbb-bbbb-bbbb-bbbb-bbbbbb\"\n"
      "status = [\"ALLOCATABLE\"]\ndev_size = 2097152\npe_start = 2048\npe_count = 255\n}\n}\n"
      "logical_volumes {\nlv {\nid = \"cccccc-cccc-cccc-cccc-cccc-cccc-cccccc\"\nstatus = [\"READ\", \"VISIBLE\"]\n"
      "segment_count = 2\n"
      "segment2 {\nstart_extent = 1\nextent_count = 2\ntype = \"striped\"\nstripe_count = 1\nstripes = [\"pv0\", 5]\n}\n"
      "segment1 {\nstart_extent = 0\nextent_count = 1\ntype = \"striped\"\nstripe_count = 1\nstripes = [\"pv0\", 0]\n}\n"
      "}\n}\n}\ncontents = \"Text Format Volume Group\"\nversion = 1\n";
  auto lv = import_vg_text(lvtext);
  ASSERT_TRUE(lv.has_value()) << lv.error().message;
  const LogicalVolume& l = lv->vg.lvs.at(0);
  ASSERT_EQ(l.segments.size(), 2u);
  EXPECT_EQ(l.segments[0].start_extent, 0u);
  EXPECT_EQ(l.segments[1].stripes.at(0).start, 5u);
  EXPECT_TRUE(l.unknown.empty());
}

// Many LVs in one section (more than the 64 a section tracks in one word):
// unknown keys past the 64th item are still kept.
TEST(LvmTextTree, WideSectionsKeepUnknownKeys) {
  std::string text = fixture_text("fx1.vg");
  auto p = text.find("metadata_copies = 0\n");
  ASSERT_NE(p, std::string::npos);
  std::string many;
  for (int i = 0; i < 100; ++i) many += "future" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  text.insert(p, many);
  auto vt = import_vg_text(text);
  ASSERT_TRUE(vt.has_value()) << vt.error().message;
  ASSERT_EQ(vt->vg.unknown.size(), 100u);
  EXPECT_EQ(vt->vg.unknown[99].key, "future99");
  EXPECT_EQ(vt->vg.unknown[99].value.integer, 99);
}
