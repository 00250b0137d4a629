// Damaged input never crashes a decoder: random byte flips and truncations of
// real lvm2 text, labels and mda headers give a value or one clear error.
#include <gtest/gtest.h>

#include <random>

#include "fixtures.hpp"
#include "lvm/format/disk.hpp"
#include "lvm/format/vg_text.hpp"

using namespace udm::lvm;
using namespace udm::lvm::format;
using lvm_format_test::fixture_hex;
using lvm_format_test::fixture_text;

TEST(LvmRobustness, MutatedTextNeverCrashes) {
  std::mt19937 rng(12345);
  int errors = 0;
  for (const char* name : {"fx1.vg", "fx2-kinds.vg", "fx3-raid-thin.vg", "fx1.backup"}) {
    const std::string good = fixture_text(name);
    for (int i = 0; i < 400; ++i) {
      std::string t = good;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = rng() % t.size();
        switch (rng() % 4) {
          case 0: t[at] = static_cast<char>(rng() % 256); break;
          case 1: t[at] = "{}[]=\",#\\'\n"[rng() % 11]; break;
          case 2: t.erase(at, rng() % 40); break;
          case 3: t.resize(at); break;
        }
        if (t.empty()) t = "x";
      }
      auto r = import_vg_text(t);
      if (!r) {
        ++errors;
        EXPECT_FALSE(r.error().message.empty());
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
        continue;
      }
      // Whatever imports must export, import again and export to the same text
      // (the model order of LVs may change: visible ones are written first).
      const std::string once = export_vg_text(r->vg, r->header);
      auto again = import_vg_text(once);
      ASSERT_TRUE(again.has_value()) << again.error().message;
      EXPECT_EQ(export_vg_text(again->vg, again->header), once);
    }
  }
  EXPECT_GT(errors, 100);
}

TEST(LvmRobustness, MutatedLabelsAndHeadersNeverCrash) {
  std::mt19937 rng(777);
  const auto label = fixture_hex("fx1-pv2-label.hex");
  const auto mda = fixture_hex("fx1-pv0-mda1.hex");
  for (int i = 0; i < 2000; ++i) {
    auto l = label;
    auto m = mda;
    for (int e = 0; e < 3; ++e) {
      l[rng() % l.size()] = static_cast<std::byte>(rng());
      m[rng() % m.size()] = static_cast<std::byte>(rng());
    }
    // Bypass the CRC too, so the field checks behind it get exercised.
    put_le32(l.data() + 16, 0);
    if (auto d = decode_label(l, 1); d) ADD_FAILURE() << "a label with a zero CRC decoded";
    (void)decode_mda_header(m, DiskLocn{4096, 1044480});
  }
}
