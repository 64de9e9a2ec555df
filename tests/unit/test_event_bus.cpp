#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "events/events.hpp"

using namespace vtd;

namespace {

// Says nothing about its interests: gets every event.
struct Everything : Observer {
  std::vector<std::string>* log = nullptr;
  void on_dma(const DmaEvent&) override { log->push_back("all:dma"); }
  void on_cache(const CacheEvent&) override { log->push_back("all:cache"); }
};

// Consumes DMA outcomes and cache changes only.
struct Changes : Observer {
  std::vector<std::string>* log = nullptr;
  Interests interests() const override { return overridden<Changes>() & ~interest(Topic::CacheLookup); }
  void on_dma(const DmaEvent&) override { log->push_back("changes:dma"); }
  void on_cache(const CacheEvent&) override { log->push_back("changes:cache"); }
};

struct Stores : Observer {
  Interests interests() const override { return overridden<Stores>(); }
  void on_store(const StoreEvent&) override {}
};

}  // namespace

TEST_CASE("event bus: an observer's overridden handlers are its interests") {
  STATIC_REQUIRE(Observer::overridden<Stores>() == interest(Topic::Store));
  STATIC_REQUIRE(Observer::overridden<Changes>() ==
                 (interest(Topic::Dma) | interest(Topic::CacheLookup) | interest(Topic::CacheChange)));
  STATIC_REQUIRE(Observer::overridden<Observer>() == 0);
}

TEST_CASE("event bus: events reach the interested observers in subscription order") {
  std::vector<std::string> log;
  Changes c;
  c.log = &log;
  Everything a;
  a.log = &log;
  Stores s;
  EventBus bus;
  CHECK_FALSE(bus.wants(Topic::Dma));
  bus.subscribe(&c);
  bus.subscribe(&a);
  bus.subscribe(&s);
  CHECK(bus.wants(Topic::Dma));
  CHECK(bus.wants(Topic::Load));  // `a` takes everything

  bus.publish(DmaEvent{});
  CacheEvent hit;
  hit.what = CacheEvent::What::Hit;
  bus.publish(hit);
  CacheEvent fill;
  fill.what = CacheEvent::What::Fill;
  bus.publish(fill);
  CHECK(log == std::vector<std::string>{"changes:dma", "all:dma", "all:cache", "changes:cache", "all:cache"});

  bus.clear();
  CHECK_FALSE(bus.has_subscribers());
  CHECK_FALSE(bus.wants(Topic::Dma));
}

TEST_CASE("event bus: nobody wants cache lookups when no observer keeps them") {
  Changes c;
  Stores s;
  EventBus bus;
  bus.subscribe(&c);
  bus.subscribe(&s);
  CHECK_FALSE(bus.wants(Topic::CacheLookup));
  CHECK(bus.wants(Topic::CacheChange));
  CHECK(bus.wants(Topic::Store));
  CHECK_FALSE(bus.wants(Topic::Fetch));
  CHECK(topic_of(CacheEvent::What::Miss) == Topic::CacheLookup);
  CHECK(topic_of(CacheEvent::What::Evict) == Topic::CacheChange);
  CHECK(topic_of(CacheEvent::What::Invalidate) == Topic::CacheChange);
}
