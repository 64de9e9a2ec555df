// Linux errno names and values as scenarios write them and reports print them.
#include <catch2/catch.hpp>

#include "base/errno.hpp"

using namespace vtd;

TEST_CASE("errno names are Linux's values whatever the sign", "[errno]") {
  CHECK(linux_errno::name(-16) == "EBUSY");
  CHECK(linux_errno::name(22) == "EINVAL");
  CHECK(linux_errno::name(-110) == "ETIMEDOUT");
  CHECK(linux_errno::name(-95) == "EOPNOTSUPP");
  CHECK(linux_errno::name(-42).empty());
  CHECK(linux_errno::text(-19) == "-ENODEV");
  CHECK(linux_errno::text(0) == "0");
  CHECK(linux_errno::text(-42) == "-42");
}

TEST_CASE("errno text parses -NAME, NAME and integers and nothing else", "[errno]") {
  CHECK(linux_errno::parse("-EBUSY") == -16);
  CHECK(linux_errno::parse("EBUSY") == -16);
  CHECK(linux_errno::parse("-EIO") == -5);
  CHECK(linux_errno::parse("ENOMEM") == -12);
  CHECK(linux_errno::parse("EAGAIN") == -11);
  CHECK(linux_errno::parse("-22") == -22);
  CHECK(linux_errno::parse("0") == 0);
  CHECK_FALSE(linux_errno::parse("-EFOO"));
  CHECK_FALSE(linux_errno::parse("ebusy"));
  CHECK_FALSE(linux_errno::parse(""));
  CHECK_FALSE(linux_errno::parse("-"));
  CHECK_FALSE(linux_errno::parse("16x"));
}
